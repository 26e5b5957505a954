// Coverage (全覆盖): for each school and class, how many students and households are visited
// and how many are not yet, drawn as bars.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "coveragePage"
    title: qsTr("Coverage")
    background: Rectangle { color: Theme.background }
    property CoverageModel coverage: Store.coverage

    component Bar: ColumnLayout {
        id: bar
        property string caption
        property int visited
        property int total
        spacing: 2
        Layout.fillWidth: true
        RowLayout {
            Layout.fillWidth: true
            Label { text: bar.caption; font.pixelSize: Theme.fontSmall; color: Theme.textMuted; Layout.fillWidth: true }
            Label {
                text: qsTr("%1 of %2 visited").arg(bar.visited).arg(bar.total)
                      + (bar.total > bar.visited ? " · " + qsTr("%1 to go").arg(bar.total - bar.visited) : "")
                font.pixelSize: Theme.fontSmall
                color: bar.total > bar.visited ? Theme.warn : Theme.ok
                font.bold: true
            }
        }
        Rectangle {
            Layout.fillWidth: true
            height: 18
            radius: 4
            color: "#E6E9ED"
            Rectangle {
                width: bar.total > 0 ? parent.width * bar.visited / bar.total : 0
                height: parent.height
                radius: 4
                color: bar.visited === bar.total ? Theme.ok : Theme.primary
            }
        }
    }

    ListView {
        id: list
        objectName: "coverageList"
        anchors.fill: parent
        clip: true
        model: page.coverage
        header: Rectangle {
            width: list.width
            implicitHeight: summary.implicitHeight + 2 * Theme.pad
            color: Theme.surface
            ColumnLayout {
                id: summary
                x: Theme.pad; y: Theme.pad
                width: parent.width - 2 * Theme.pad
                spacing: 8
                Label {
                    text: qsTr("All schools")
                    font.pixelSize: Theme.fontTitle
                    font.bold: true
                }
                Bar { caption: qsTr("Students"); visited: page.coverage.studentsVisited; total: page.coverage.students }
                Bar { caption: qsTr("Households"); visited: page.coverage.householdsVisited; total: page.coverage.households }
                Row {
                    spacing: 16
                    Row { spacing: 6; Rectangle { width: 16; height: 16; radius: 3; color: Theme.primary } Label { text: qsTr("visited"); font.pixelSize: Theme.fontSmall } }
                    Row { spacing: 6; Rectangle { width: 16; height: 16; radius: 3; color: "#E6E9ED"; border.color: Theme.border } Label { text: qsTr("not yet visited"); font.pixelSize: Theme.fontSmall } }
                }
            }
        }
        delegate: Rectangle {
            id: entry
            required property int level
            required property string label
            required property int students
            required property int studentsVisited
            required property int households
            required property int householdsVisited
            width: ListView.view.width
            implicitHeight: rows.implicitHeight + 20
            color: level === 0 ? Theme.primaryLight : Theme.surface
            ColumnLayout {
                id: rows
                x: Theme.pad + (entry.level > 0 ? 12 : 0)
                y: 10
                width: parent.width - 2 * Theme.pad - (entry.level > 0 ? 12 : 0)
                spacing: 6
                Label {
                    text: entry.label
                    font.pixelSize: entry.level === 0 ? Theme.fontTitle : Theme.fontBody
                    font.bold: true
                    color: entry.level === 0 ? Theme.primary : Theme.text
                }
                Bar { caption: qsTr("Students"); visited: entry.studentsVisited; total: entry.students }
                Bar { caption: qsTr("Households"); visited: entry.householdsVisited; total: entry.households }
            }
            Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }
        }
        EmptyState {
            anchors.fill: parent
            verticalAlignment: Text.AlignVCenter
            visible: list.count === 0
            text: qsTr("No students on this phone yet. Sync to download the roster.")
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }
}
