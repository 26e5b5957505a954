// Language, who is signed in, this phone and its server.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "settingsPage"
    title: qsTr("Settings")
    background: Rectangle { color: Theme.background }

    Flickable {
        anchors.fill: parent
        contentHeight: content.implicitHeight + 2 * Theme.pad
        ColumnLayout {
            id: content
            x: Theme.pad
            y: Theme.pad
            width: parent.width - 2 * Theme.pad
            spacing: Theme.gap
            Card {
                title: qsTr("Language")
                ChoiceEditor {
                    objectName: "languageChoice"
                    Layout.fillWidth: true
                    key: "language"
                    choices: [{ code: "zh_CN", label: "中文（简体）" }, { code: "en", label: "English" }]
                    value: Language.current
                    onChosen: (code, on) => Language.select(code)
                }
            }
            Card {
                title: qsTr("Account")
                InfoRow { label: qsTr("Name"); value: Store.displayName }
                InfoRow { label: qsTr("User"); value: Store.userName }
                InfoRow { label: qsTr("Role"); value: Store.isCoordinator ? qsTr("Coordinator") : qsTr("Teacher") }
                InfoRow { label: qsTr("Server"); value: Store.serverAddress }
            }
            Card {
                title: qsTr("This phone")
                InfoRow { label: qsTr("Students"); value: "" + Store.students.totalCount }
                InfoRow { label: qsTr("To upload"); value: "" + Sync.pendingCount }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Everything you record is kept on this phone until it reaches the server. Signing in again is only needed if the phone is replaced.")
                    wrapMode: Text.Wrap
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                }
            }
        }
    }
}
