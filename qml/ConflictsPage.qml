// Answers two people changed at the same time. Both values are kept; the coordinator sees
// who wrote each and when, and keeps one (an ordinary write that also closes the conflict).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "conflictsPage"
    title: qsTr("Conflicts")
    background: Rectangle { color: Theme.background }

    ListView {
        id: list
        anchors.fill: parent
        anchors.margins: Theme.gap
        spacing: Theme.gap
        clip: true
        model: Store.conflicts
        delegate: Card {
            id: conflict
            required property string conflictId
            required property string recordLabel
            required property string fieldLabel
            required property string currentValue
            required property string currentBy
            required property string currentAt
            required property string otherValue
            required property string otherBy
            required property string otherAt
            objectName: "conflict_" + conflictId
            width: ListView.view.width
            title: recordLabel
            Label {
                text: qsTr("Question: %1").arg(conflict.fieldLabel)
                font.pixelSize: Theme.fontBody
                color: Theme.textMuted
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Repeater {
                model: [
                    { which: "current", value: conflict.currentValue, by: conflict.currentBy, at: conflict.currentAt },
                    { which: "other", value: conflict.otherValue, by: conflict.otherBy, at: conflict.otherAt }
                ]
                delegate: Rectangle {
                    Layout.fillWidth: true
                    implicitHeight: choice.implicitHeight + 20
                    radius: 8
                    color: modelData.which === "current" ? Theme.primaryLight : Theme.warnLight
                    border.color: Theme.border
                    ColumnLayout {
                        id: choice
                        anchors { left: parent.left; right: parent.right; top: parent.top; margins: 10 }
                        spacing: 4
                        Label {
                            text: modelData.value !== "" ? modelData.value : qsTr("(empty)")
                            font.pixelSize: Theme.fontTitle
                            font.bold: true
                            color: Theme.text
                            wrapMode: Text.Wrap
                            Layout.fillWidth: true
                        }
                        Label {
                            text: qsTr("%1 · %2").arg(modelData.by).arg(modelData.at)
                                  + (modelData.which === "current" ? "  " + qsTr("(shown now)") : "")
                            font.pixelSize: Theme.fontSmall
                            color: Theme.textMuted
                        }
                        AppButton {
                            objectName: "keep_" + modelData.which + "_" + conflict.conflictId
                            Layout.fillWidth: true
                            Layout.preferredHeight: Theme.touch
                            text: qsTr("Keep this one")
                            font.pixelSize: Theme.fontBody
                            kind: "primary"
                            onClicked: Store.resolveConflict(conflict.conflictId, modelData.which === "other")
                        }
                    }
                }
            }
        }
        EmptyState {
            anchors.fill: parent
            verticalAlignment: Text.AlignVCenter
            visible: list.count === 0
            text: qsTr("No conflicts. When two people change the same answer, both versions wait here for your choice.")
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }
}
