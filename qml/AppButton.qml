// The app's button: a large touch target with clear colours. kind: "primary" (the main
// action of a page), "normal", "ok" (approve), "danger" (reject / remove), "quiet" (flat).
import QtQuick
import QtQuick.Controls

Button {
    id: button
    property string kind: "normal"
    readonly property color fill: kind === "primary" ? Theme.primary
                                 : kind === "ok" ? Theme.ok
                                 : kind === "quiet" ? "transparent" : Theme.surface
    readonly property color ink: kind === "primary" || kind === "ok" ? "white"
                                : kind === "danger" ? Theme.danger : Theme.primary

    implicitHeight: Theme.touch
    font.pixelSize: Theme.fontBody
    font.bold: kind === "primary" || kind === "ok"
    opacity: enabled ? 1.0 : 0.45
    background: Rectangle {
        radius: 8
        color: button.down ? Qt.darker(button.fill === Qt.color("transparent") ? Theme.primaryLight : button.fill, 1.12) : button.fill
        border.width: button.kind === "normal" || button.kind === "danger" ? 1.5 : 0
        border.color: button.kind === "danger" ? Theme.danger : Theme.primary
    }
    contentItem: Text {
        text: button.text
        font: button.font
        color: button.ink
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
        wrapMode: Text.Wrap
        maximumLineCount: 2
    }
}
