// A date: a button showing the chosen day, opening year / month / day wheels, plus "today".
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

RowLayout {
    id: root
    property string text   // "YYYY-MM-DD" or ""
    signal picked(string iso)
    spacing: Theme.gap

    function pad(n) { return n < 10 ? "0" + n : "" + n }
    function today() { var d = new Date(); return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) }

    AppButton {
        Layout.fillWidth: true
        Layout.preferredHeight: Theme.touch
        text: root.text !== "" ? root.text : qsTr("Choose a date")
        font.pixelSize: Theme.fontBody
        onClicked: {
            var parts = (root.text !== "" ? root.text : root.today()).split("-")
            year.currentIndex = Math.max(0, parseInt(parts[0]) - 1940)
            month.currentIndex = parseInt(parts[1]) - 1
            day.currentIndex = parseInt(parts[2]) - 1
            dialog.open()
        }
    }
    AppButton {
        Layout.preferredHeight: Theme.touch
        text: qsTr("Today")
        font.pixelSize: Theme.fontBody
        onClicked: root.picked(root.today())
    }
    Dialog {
        id: dialog
        parent: Overlay.overlay
        anchors.centerIn: parent
        modal: true
        title: qsTr("Choose a date")
        standardButtons: Dialog.Ok | Dialog.Cancel
        onAccepted: {
            var y = 1940 + year.currentIndex
            var m = month.currentIndex + 1
            var last = new Date(y, m, 0).getDate()
            var d = Math.min(day.currentIndex + 1, last)
            root.picked(y + "-" + root.pad(m) + "-" + root.pad(d))
        }
        contentItem: RowLayout {
            Tumbler { id: year; model: 111; delegate: dateLabel; property int base: 1940 }
            Tumbler { id: month; model: 12; delegate: dateLabel; property int base: 1 }
            Tumbler { id: day; model: 31; delegate: dateLabel; property int base: 1 }
        }
        Component {
            id: dateLabel
            Label {
                text: Tumbler.tumbler.base + modelData
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
                font.pixelSize: Theme.fontTitle
                opacity: 1.0 - Math.abs(Tumbler.displacement) / (Tumbler.tumbler.visibleItemCount / 2)
            }
        }
    }
}
