// A photo: pick or take a picture; the app shrinks it before keeping it, so uploads stay small.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import HomeVisit

ColumnLayout {
    id: root
    property FormModel form
    property string key
    property string imageUrl
    spacing: 6

    Image {
        visible: root.imageUrl !== ""
        source: root.imageUrl
        Layout.preferredHeight: 180
        Layout.fillWidth: true
        fillMode: Image.PreserveAspectFit
        horizontalAlignment: Image.AlignLeft
        asynchronous: true
    }
    RowLayout {
        Layout.fillWidth: true
        AppButton {
            objectName: "photo_" + root.key
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch
            text: root.imageUrl !== "" ? qsTr("Replace photo") : qsTr("Add photo")
            font.pixelSize: Theme.fontBody
            onClicked: picker.open()
        }
        AppButton {
            visible: root.imageUrl !== ""
            Layout.preferredHeight: Theme.touch
            text: qsTr("Remove")
            kind: "quiet"
            font.pixelSize: Theme.fontBody
            onClicked: root.form.clear(root.key)
        }
    }
    FileDialog {
        id: picker
        title: qsTr("Choose a photo")
        nameFilters: [qsTr("Photos (*.jpg *.jpeg *.png)")]
        onAccepted: root.form.attachPhoto(root.key, selectedFile)
    }
}
