// A surface to sign on with a finger. Keeps the strokes as lists of points (pixels of this
// pad) so the C++ side can draw them into an image at any size.
import QtQuick

Rectangle {
    id: pad
    property var strokes: []
    color: "white"
    border.color: Theme.border
    radius: 6

    function clear() { strokes = []; canvas.requestPaint() }

    Text {
        anchors.centerIn: parent
        visible: pad.strokes.length === 0
        text: qsTr("Sign here")
        color: "#9AA5B1"
        font.pixelSize: Theme.fontTitle
    }
    Rectangle { x: 16; width: parent.width - 32; y: parent.height * 0.75; height: 1; color: Theme.border }
    Canvas {
        id: canvas
        anchors.fill: parent
        onPaint: {
            var ctx = getContext("2d")
            ctx.clearRect(0, 0, width, height)
            ctx.lineWidth = 3
            ctx.lineCap = "round"
            ctx.lineJoin = "round"
            ctx.strokeStyle = "#111"
            for (var s = 0; s < pad.strokes.length; ++s) {
                var pts = pad.strokes[s]
                if (pts.length === 0) continue
                ctx.beginPath()
                ctx.moveTo(pts[0].x, pts[0].y)
                for (var i = 1; i < pts.length; ++i) ctx.lineTo(pts[i].x, pts[i].y)
                ctx.stroke()
            }
        }
    }
    MouseArea {
        anchors.fill: parent
        preventStealing: true
        property var current: []
        onPressed: (mouse) => { current = [Qt.point(mouse.x, mouse.y)] }
        onPositionChanged: (mouse) => {
            current.push(Qt.point(mouse.x, mouse.y))
            var s = pad.strokes.slice(0, pad.strokes.length)
            if (current.length === 2) s.push(current); else s[s.length - 1] = current
            pad.strokes = s
            canvas.requestPaint()
        }
    }
}
