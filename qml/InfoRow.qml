// A label and its value on one line (wrapping when long), for detail cards.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

RowLayout {
    property alias label: key.text
    property alias value: val.text
    spacing: Theme.gap
    Layout.fillWidth: true
    visible: val.text !== ""
    Label {
        id: key
        Layout.preferredWidth: 96
        Layout.alignment: Qt.AlignTop
        font.pixelSize: Theme.fontBody
        color: Theme.textMuted
        wrapMode: Text.Wrap
    }
    Label {
        id: val
        Layout.fillWidth: true
        font.pixelSize: Theme.fontBody
        color: Theme.text
        wrapMode: Text.Wrap
    }
}
