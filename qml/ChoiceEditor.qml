// A choice question: one big radio button or check box per choice, each a full-width
// touch target.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: root
    property string key
    property bool multiple
    property var choices: []   // [{code, label}]
    property var value         // a code (one) or a list of codes (multiple)
    signal chosen(string code, bool on)
    spacing: 0

    function isChosen(code) {
        if (root.multiple) return Array.isArray(root.value) && root.value.indexOf(code) >= 0
        return root.value === code
    }

    Repeater {
        model: root.choices
        delegate: AbstractButton {
            id: option
            objectName: "choice_" + root.key + "_" + modelData.code
            Layout.fillWidth: true
            implicitHeight: Math.max(Theme.touch - 4, optionLabel.implicitHeight + 16)
            checkable: false
            readonly property bool on: root.isChosen(modelData.code)
            onClicked: root.chosen(modelData.code, !on)
            background: Rectangle {
                color: option.on ? Theme.primaryLight : (option.down ? "#EEF2F6" : Theme.surface)
                border.color: option.on ? Theme.primary : Theme.border
                radius: 6
            }
            contentItem: RowLayout {
                spacing: Theme.gap
                Rectangle {
                    Layout.leftMargin: 10
                    width: 24; height: 24
                    radius: root.multiple ? 4 : 12
                    border.width: 2
                    border.color: option.on ? Theme.primary : Theme.textMuted
                    color: "transparent"
                    Rectangle {
                        anchors.centerIn: parent
                        width: 12; height: 12
                        radius: root.multiple ? 2 : 6
                        color: Theme.primary
                        visible: option.on
                    }
                }
                Label {
                    id: optionLabel
                    Layout.fillWidth: true
                    text: modelData.label
                    font.pixelSize: Theme.fontBody
                    color: Theme.text
                    wrapMode: Text.Wrap
                }
            }
        }
    }
}
