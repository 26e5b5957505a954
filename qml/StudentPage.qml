// One student: who, where the family lives, brothers and sisters, every visit and decision,
// and the big button that starts (or continues) a visit.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "studentPage"
    readonly property var student: Store.currentStudent
    title: student.name || qsTr("Student")
    background: Rectangle { color: Theme.background }
    signal openStudent(string studentId)
    signal openVisit(string visitId, string status)
    signal startVisit(string studentId)

    Flickable {
        anchors.fill: parent
        anchors.bottomMargin: actions.height
        contentHeight: content.implicitHeight + 2 * Theme.pad
        clip: true
        ColumnLayout {
            id: content
            x: Theme.pad
            y: Theme.pad
            width: parent.width - 2 * Theme.pad
            spacing: Theme.gap

            Card {
                title: page.student.name || ""
                InfoRow { label: qsTr("Gender"); value: Theme.genderText(page.student.gender || "") }
                InfoRow { label: qsTr("Born"); value: page.student.birthDate || "" }
                InfoRow { label: qsTr("School"); value: page.student.school || "" }
                InfoRow { label: qsTr("Class"); value: (page.student.grade || "") + (page.student.className || "") }
                InfoRow { label: qsTr("Student no."); value: page.student.studentNumber || "" }
                InfoRow { label: qsTr("Village"); value: (page.student.village || "") + (page.student.hamlet || "") }
            }
            Card {
                title: qsTr("Household")
                InfoRow { label: qsTr("Head"); value: page.student.householdHead || "" }
                InfoRow { label: qsTr("Address"); value: page.student.householdAddress || "" }
                InfoRow { label: qsTr("Members"); value: page.student.memberCount > 0 ? qsTr("%n person(s)", "", page.student.memberCount) : "" }
                Label {
                    text: qsTr("Brothers and sisters at school")
                    visible: siblings.count > 0
                    font.pixelSize: Theme.fontBody
                    font.bold: true
                    color: Theme.text
                    Layout.topMargin: 4
                }
                Repeater {
                    id: siblings
                    model: page.student.siblings || []
                    delegate: ItemDelegate {
                        Layout.fillWidth: true
                        Layout.preferredHeight: Theme.touch
                        text: modelData.name + "  ·  " + modelData.school + " " + modelData.grade + modelData.className
                        font.pixelSize: Theme.fontBody
                        onClicked: page.openStudent(modelData.id)
                    }
                }
                Label {
                    visible: siblings.count === 0 && (page.student.householdId || "") !== ""
                    text: qsTr("No brothers or sisters on the roster.")
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                }
            }
            Card {
                title: qsTr("Decisions")
                visible: (page.student.decisions || []).length > 0
                Repeater {
                    model: page.student.decisions || []
                    delegate: ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        RowLayout {
                            Layout.fillWidth: true
                            Label {
                                text: Theme.tierText(modelData.tier)
                                font.pixelSize: Theme.fontBody
                                font.bold: true
                                color: Theme.text
                                Layout.fillWidth: true
                            }
                            StatusChip { status: modelData.status }
                        }
                        Label {
                            text: [modelData.by, modelData.date].join(" · ")
                            font.pixelSize: Theme.fontSmall
                            color: Theme.textMuted
                        }
                        Label {
                            visible: modelData.comment !== ""
                            text: modelData.comment
                            font.pixelSize: Theme.fontSmall
                            color: Theme.text
                            wrapMode: Text.Wrap
                            Layout.fillWidth: true
                        }
                    }
                }
            }
            Label {
                text: qsTr("Visits")
                font.pixelSize: Theme.fontTitle
                font.bold: true
                color: Theme.text
                Layout.topMargin: 4
            }
            Repeater {
                id: visits
                model: Store.studentVisits
                delegate: VisitCard {
                    heading: qsTr("Visit on %1").arg(updatedText.substring(0, 10))
                    showPlace: false
                    onClicked: page.openVisit(visitId, status)
                }
            }
            EmptyState {
                visible: visits.count === 0
                Layout.fillWidth: true
                text: qsTr("No visit recorded yet.")
            }
        }
    }

    Rectangle {
        id: actions
        anchors.bottom: parent.bottom
        width: parent.width
        height: Theme.touch + 2 * Theme.gap
        color: Theme.surface
        Rectangle { width: parent.width; height: 1; color: Theme.border }
        AppButton {
            objectName: "startVisitButton"
            anchors { fill: parent; margins: Theme.gap; leftMargin: Theme.pad; rightMargin: Theme.pad }
            kind: "primary"
            font.pixelSize: Theme.fontTitle
            font.bold: true
            text: (page.student.openVisitId || "") !== "" ? qsTr("Continue the visit") : qsTr("New visit")
            onClicked: (page.student.openVisitId || "") !== ""
                       ? page.openVisit(page.student.openVisitId, "draft")
                       : page.startVisit(page.student.id)
        }
    }
}
