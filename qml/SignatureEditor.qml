// The guardian's signature: drawn with a finger on a pad; "keep" turns the strokes into an
// image kept with the visit.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

ColumnLayout {
    id: root
    property FormModel form
    property string key
    property string imageUrl
    spacing: 6

    Image {
        visible: root.imageUrl !== "" && !pad.visible
        source: root.imageUrl
        Layout.preferredHeight: 140
        Layout.fillWidth: true
        fillMode: Image.PreserveAspectFit
        horizontalAlignment: Image.AlignLeft
    }
    SignaturePad {
        id: pad
        objectName: "signaturePad_" + root.key
        visible: root.imageUrl === ""
        Layout.fillWidth: true
        Layout.preferredHeight: 200
    }
    RowLayout {
        Layout.fillWidth: true
        AppButton {
            visible: pad.visible
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch
            enabled: pad.strokes.length > 0
            text: qsTr("Keep signature")
            kind: "primary"
            font.pixelSize: Theme.fontBody
            onClicked: root.form.setSignature(root.key, pad.strokes, pad.width, pad.height)
        }
        AppButton {
            Layout.preferredHeight: Theme.touch
            Layout.fillWidth: !pad.visible
            text: pad.visible ? qsTr("Clear") : qsTr("Sign again")
            kind: pad.visible ? "quiet" : "normal"
            font.pixelSize: Theme.fontBody
            onClicked: { pad.clear(); if (!pad.visible) root.form.clear(root.key) }
        }
    }
}
