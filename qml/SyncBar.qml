// Always in view: online or offline, last sync, changes waiting to upload, one big sync
// button; while syncing, the phase and a progress bar; afterwards, the result in plain words.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Rectangle {
    id: bar
    property var sync: Sync
    readonly property bool running: sync.state === Sync.Running
    readonly property bool failed: sync.state === Sync.Failed
    readonly property bool succeeded: sync.state === Sync.Succeeded

    implicitHeight: column.implicitHeight + 2 * 8
    color: Theme.surface
    objectName: "syncBar"

    function phaseText(phase) {
        switch (phase) {
        case "connect": return qsTr("Connecting")
        case "login": return qsTr("Signing in")
        case "push": return qsTr("Uploading")
        case "pull": return qsTr("Downloading")
        case "blobs": return qsTr("Uploading photos")
        case "verify": return qsTr("Checking")
        }
        return qsTr("Syncing")
    }
    // "Synced 5 minutes ago" must move on by itself.
    property int tick: 0
    Timer { interval: 30000; running: true; repeat: true; onTriggered: bar.tick++ }

    function lastSyncText() {
        bar.tick  // re-evaluated on every tick
        if (!sync.lastSync || isNaN(sync.lastSync.getTime()))
            return qsTr("Never synced")
        var now = new Date()
        var t = sync.lastSync
        var minutes = Math.floor((now - t) / 60000)
        if (minutes < 1) return qsTr("Synced just now")
        if (minutes < 60) return qsTr("Synced %n minute(s) ago", "", minutes)
        if (t.toDateString() === now.toDateString())
            return qsTr("Synced today %1").arg(Qt.formatTime(t, "HH:mm"))
        return qsTr("Synced %1").arg(Qt.formatDateTime(t, "MM-dd HH:mm"))
    }
    function resultText() {
        if (succeeded)
            return sync.conflicts > 0
                ? qsTr("Sync complete. %n change(s) need a coordinator's decision.", "", sync.conflicts)
                : qsTr("Sync complete. Everything is up to date.")
        switch (sync.errorKind) {
        case "offline": return qsTr("Cannot reach the server. Your data is safe on this phone; sync again when there is signal.")
        case "auth": return qsTr("Your sign-in is no longer valid. Please sign in again.")
        case "revoked": return qsTr("This phone was taken out of service by the administrator and its data was erased.")
        case "rejected": return qsTr("The server refused some changes: %1").arg(sync.errorMessage)
        case "cancelled": return qsTr("Sync stopped. Nothing was lost; sync again to continue.")
        case "server": return qsTr("The server had a problem. Your data is safe on this phone; try again later.")
        }
        return sync.errorMessage
    }

    ColumnLayout {
        id: column
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: 8; leftMargin: Theme.pad; rightMargin: Theme.pad }
        spacing: 6

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.gap
            Rectangle {
                objectName: "onlineDot"
                width: 14; height: 14; radius: 7
                color: sync.online ? Theme.ok : Theme.textMuted
            }
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 0
                Label {
                    objectName: "onlineText"
                    text: sync.online ? qsTr("Online") : qsTr("Offline")
                    font.pixelSize: Theme.fontBody
                    font.bold: true
                    color: Theme.text
                }
                Label {
                    objectName: "pendingText"
                    Layout.fillWidth: true
                    text: (sync.pendingCount > 0
                           ? qsTr("%n record(s) to upload", "", sync.pendingCount)
                           : qsTr("Nothing to upload")) + " · " + bar.lastSyncText()
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                    elide: Text.ElideRight
                }
            }
            AppButton {
                id: syncButton
                objectName: "syncButton"
                text: bar.running ? qsTr("Stop") : qsTr("Sync")
                font.pixelSize: Theme.fontBody
                font.bold: true
                Layout.preferredHeight: Theme.touch
                Layout.minimumWidth: 96
                kind: bar.running ? "normal" : "primary"
                onClicked: bar.running ? sync.cancel() : sync.start()
            }
        }

        ColumnLayout {
            visible: bar.running
            Layout.fillWidth: true
            spacing: 2
            Label {
                objectName: "phaseText"
                text: sync.total > 0
                      ? qsTr("%1: %2 of %3").arg(bar.phaseText(sync.phase)).arg(sync.done).arg(sync.total)
                      : bar.phaseText(sync.phase) + "…"
                font.pixelSize: Theme.fontSmall
                color: Theme.text
            }
            ProgressBar {
                objectName: "progress"
                Layout.fillWidth: true
                from: 0
                to: Math.max(1, sync.total)
                value: sync.done
                indeterminate: sync.total <= 0
            }
        }

        Label {
            objectName: "resultText"
            visible: bar.succeeded || bar.failed
            Layout.fillWidth: true
            text: bar.resultText()
            wrapMode: Text.Wrap
            font.pixelSize: Theme.fontSmall
            color: bar.failed ? Theme.danger : Theme.ok
        }
    }
    Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }
}
