// A white block with a title, for grouping information on detail pages.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: card
    property string title
    default property alias content: body.data
    Layout.fillWidth: true
    implicitHeight: body.implicitHeight + 2 * Theme.pad + (title !== "" ? heading.implicitHeight + 8 : 0)
    color: Theme.surface
    radius: Theme.radius
    border.color: Theme.border
    Label {
        id: heading
        visible: card.title !== ""
        x: Theme.pad
        y: Theme.pad
        text: card.title
        font.pixelSize: Theme.fontTitle
        font.bold: true
        color: Theme.text
    }
    ColumnLayout {
        id: body
        x: Theme.pad
        y: card.title !== "" ? heading.y + heading.implicitHeight + 8 : Theme.pad
        width: card.width - 2 * Theme.pad
        spacing: 8
    }
}
