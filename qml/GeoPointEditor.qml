// A GPS point: "get location" uses the phone's position when there is one; otherwise (or
// when it fails) latitude and longitude can be typed in by hand.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

ColumnLayout {
    id: root
    property FormModel form
    property string key
    property string text    // "lat, lon (± acc m)" or ""
    spacing: 6

    Label {
        visible: root.text !== ""
        text: root.text
        font.pixelSize: Theme.fontBody
        color: Theme.text
    }
    RowLayout {
        Layout.fillWidth: true
        AppButton {
            objectName: "locate_" + root.key
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch
            visible: root.form.gpsAvailable
            enabled: !root.form.locating
            text: root.form.locating ? qsTr("Finding location…") : qsTr("Get location")
            font.pixelSize: Theme.fontBody
            onClicked: root.form.captureLocation(root.key)
        }
        AppButton {
            Layout.preferredHeight: Theme.touch
            Layout.fillWidth: !root.form.gpsAvailable
            text: qsTr("Type it in")
            font.pixelSize: Theme.fontBody
            kind: root.form.gpsAvailable ? "quiet" : "normal"
            onClicked: manual.visible = !manual.visible
        }
    }
    Label {
        visible: !root.form.gpsAvailable
        text: qsTr("This phone has no GPS available. Type the location from another device or a map.")
        font.pixelSize: Theme.fontSmall
        color: Theme.textMuted
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    GridLayout {
        id: manual
        visible: false
        columns: 2
        Layout.fillWidth: true
        Label { text: qsTr("Latitude"); font.pixelSize: Theme.fontBody }
        TextField { id: lat; Layout.fillWidth: true; implicitHeight: Theme.touch; font.pixelSize: Theme.fontBody; placeholderText: "26.5791"; inputMethodHints: Qt.ImhFormattedNumbersOnly }
        Label { text: qsTr("Longitude"); font.pixelSize: Theme.fontBody }
        TextField { id: lon; Layout.fillWidth: true; implicitHeight: Theme.touch; font.pixelSize: Theme.fontBody; placeholderText: "106.7135"; inputMethodHints: Qt.ImhFormattedNumbersOnly }
        AppButton {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch
            text: qsTr("Use this location")
            font.pixelSize: Theme.fontBody
            onClicked: if (root.form.setGeoPointText(root.key, lat.text, lon.text)) manual.visible = false
        }
    }
}
