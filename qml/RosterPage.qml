// The teacher's roster: school → class → students, with search by name and a village filter.
// Each row shows where the family lives and whether the visit is done.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "rosterPage"
    title: qsTr("Students")
    background: Rectangle { color: Theme.background }
    signal openStudent(string studentId)
    property StudentListModel students: Store.students

    header: Rectangle {
        color: Theme.surface
        implicitHeight: filters.implicitHeight + 2 * Theme.gap
        ColumnLayout {
            id: filters
            anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.gap; leftMargin: Theme.pad; rightMargin: Theme.pad }
            spacing: Theme.gap
            TextField {
                id: search
                objectName: "searchField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touch
                font.pixelSize: Theme.fontBody
                placeholderText: qsTr("Search by name")
                text: page.students.search
                onTextChanged: page.students.search = text
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: Theme.gap
                ComboBox {
                    id: village
                    objectName: "villageFilter"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Theme.touch
                    font.pixelSize: Theme.fontBody
                    model: [qsTr("All villages")].concat(page.students.villages)
                    currentIndex: Math.max(0, page.students.villages.indexOf(page.students.village) + 1)
                    onActivated: (index) => page.students.village = index === 0 ? "" : page.students.villages[index - 1]
                }
                Label {
                    objectName: "countText"
                    text: page.students.count === page.students.totalCount
                          ? qsTr("%n student(s)", "", page.students.count)
                          : qsTr("%1 of %2").arg(page.students.count).arg(page.students.totalCount)
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                }
            }
        }
        Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }
    }

    ListView {
        id: list
        objectName: "studentList"
        anchors.fill: parent
        clip: true
        model: page.students
        reuseItems: true
        section.property: "section"
        section.criteria: ViewSection.FullString
        section.labelPositioning: ViewSection.InlineLabels | ViewSection.CurrentLabelAtStart
        section.delegate: Rectangle {
            required property string section
            width: ListView.view.width
            height: 40
            color: Theme.primaryLight
            Label {
                anchors { left: parent.left; leftMargin: Theme.pad; verticalCenter: parent.verticalCenter }
                text: parent.section
                font.pixelSize: Theme.fontBody
                font.bold: true
                color: Theme.primary
            }
        }
        delegate: ItemDelegate {
            id: row
            required property string studentId
            required property string name
            required property string gender
            required property string village
            required property string hamlet
            required property string visitStatus
            width: ListView.view.width
            height: Theme.touch + 20
            onClicked: page.openStudent(studentId)
            background: Rectangle {
                color: row.down ? Theme.primaryLight : Theme.surface
                Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }
            }
            contentItem: Item {
                implicitHeight: Math.max(nameLabel.implicitHeight + placeLabel.implicitHeight, chip.implicitHeight)
                Column {
                    anchors { left: parent.left; right: chip.left; rightMargin: Theme.gap; verticalCenter: parent.verticalCenter }
                    spacing: 2
                    Label {
                        id: nameLabel
                        width: parent.width
                        text: row.name
                        font.pixelSize: Theme.fontTitle
                        color: Theme.text
                        elide: Text.ElideRight
                    }
                    Label {
                        id: placeLabel
                        width: parent.width
                        text: [Theme.genderText(row.gender), row.village + row.hamlet].filter(function (s) { return s !== "" }).join(" · ")
                        font.pixelSize: Theme.fontSmall
                        color: Theme.textMuted
                        elide: Text.ElideRight
                    }
                }
                StatusChip {
                    id: chip
                    anchors { right: parent.right; verticalCenter: parent.verticalCenter }
                    status: row.visitStatus
                }
            }
        }
        EmptyState {
            anchors.fill: parent
            visible: list.count === 0
            verticalAlignment: Text.AlignVCenter
            text: page.students.totalCount === 0
                  ? qsTr("No students on this phone yet. Tap Sync to download your school's roster.")
                  : qsTr("No student matches the search.")
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }
}
