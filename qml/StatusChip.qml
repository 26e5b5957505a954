// A visit's status in plain words on a coloured chip.
import QtQuick
import QtQuick.Controls

Rectangle {
    property string status
    implicitWidth: label.implicitWidth + 20
    implicitHeight: label.implicitHeight + 8
    radius: height / 2
    color: Theme.statusBackground(status)
    border.color: status === "" ? Theme.border : "transparent"
    Label {
        id: label
        anchors.centerIn: parent
        text: Theme.statusText(parent.status)
        color: Theme.statusColor(parent.status)
        font.pixelSize: Theme.fontSmall
        font.bold: true
    }
}
