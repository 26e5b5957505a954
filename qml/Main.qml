// The app window: a title bar with "back", the sync bar always in view, the pages in a stack,
// and the section buttons at the bottom. Teachers see roster, drafts and returned visits;
// coordinators see the review queue, conflicts and coverage as well.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

ApplicationWindow {
    id: window
    objectName: "mainWindow"
    width: 412
    height: 860
    title: qsTr("Home Visits")
    color: Theme.background
    font.pixelSize: Theme.fontBody

    property string currentTab: Store.isCoordinator ? "review" : "roster"
    // Screenshots and tests turn page animations off so every grab shows a settled page.
    property bool animate: true
    readonly property var tabs: Store.isCoordinator
        ? [ { name: "review", title: qsTr("Review"), badge: Store.reviewQueue.count },
            { name: "conflicts", title: qsTr("Conflicts"), badge: Store.conflicts.count },
            { name: "coverage", title: qsTr("Coverage"), badge: 0 },
            { name: "roster", title: qsTr("Roster"), badge: 0 },
            { name: "settings", title: qsTr("Settings"), badge: 0 } ]
        : [ { name: "roster", title: qsTr("Roster"), badge: 0 },
            { name: "drafts", title: qsTr("Drafts"), badge: Store.drafts.count },
            { name: "returned", title: qsTr("Returned"), badge: Store.returned.count },
            { name: "settings", title: qsTr("Settings"), badge: 0 } ]

    function tabComponent(name) {
        switch (name) {
        case "roster": return rosterPage
        case "drafts": return draftsPage
        case "returned": return returnedPage
        case "review": return reviewPage
        case "conflicts": return conflictsPage
        case "coverage": return coveragePage
        }
        return settingsPage
    }
    function showTab(name) {
        currentTab = name
        stack.replace(null, tabComponent(name), {}, StackView.Immediate)
    }
    function openStudent(studentId) {
        Store.openStudent(studentId)
        stack.push(studentPage, {}, animate ? StackView.PushTransition : StackView.Immediate)
    }
    function openVisit(visitId, status) {
        Store.openVisit(visitId)
        var editable = !Store.isCoordinator && (status === "draft" || status === "returned")
        stack.push(editable ? visitFormPage : visitDetailPage, {}, animate ? StackView.PushTransition : StackView.Immediate)
    }
    function startVisit(studentId) {
        if (Store.newVisit(studentId))
            stack.push(visitFormPage, {}, animate ? StackView.PushTransition : StackView.Immediate)
    }
    // For --screenshots: shows one named page with whatever the store holds.
    function showPage(name) {
        switch (name) {
        case "student":
        case "form":
            // A student with a decided visit shows the most of the student page.
            var row = 0
            for (var i = 0; i < Store.students.count; ++i)
                if (Store.students.visitStatusAt(i) === "approved") { row = i; break }
            showTab("roster")
            if (name === "student") openStudent(Store.students.idAt(row))
            else startVisit(Store.students.idAt(row))
            return
        case "detail": showTab("review"); if (Store.reviewQueue.count > 0) openVisit(Store.reviewQueue.idAt(0), "submitted"); return
        }
        showTab(name)
    }

    header: ColumnLayout {
        spacing: 0
        visible: Store.enrolled
        ToolBar {
            Layout.fillWidth: true
            implicitHeight: 56
            background: Rectangle { color: Theme.primary }
            RowLayout {
                anchors.fill: parent
                spacing: 0
                AbstractButton {
                    id: back
                    objectName: "backButton"
                    visible: stack.depth > 1
                    Layout.preferredWidth: backText.implicitWidth + 2 * Theme.pad
                    Layout.fillHeight: true
                    onClicked: stack.pop()
                    background: Rectangle { color: back.down ? "#15508A" : "transparent" }
                    contentItem: Text {
                        id: backText
                        text: "‹ " + qsTr("Back")
                        font.pixelSize: Theme.fontBody
                        font.bold: true
                        color: "white"
                        verticalAlignment: Text.AlignVCenter
                        horizontalAlignment: Text.AlignHCenter
                    }
                }
                Label {
                    Layout.fillWidth: true
                    Layout.leftMargin: stack.depth > 1 ? 4 : Theme.pad
                    text: stack.currentItem ? stack.currentItem.title : ""
                    font.pixelSize: Theme.fontTitle
                    font.bold: true
                    color: "white"
                    elide: Text.ElideRight
                }
                Label {
                    Layout.rightMargin: Theme.pad
                    text: Store.displayName
                    font.pixelSize: Theme.fontSmall
                    color: "#DCE8F4"
                }
            }
        }
        SyncBar { Layout.fillWidth: true }
    }

    footer: NavBar {
        visible: Store.enrolled && stack.depth === 1
        tabs: window.tabs
        current: window.currentTab
        onSelected: (name) => window.showTab(name)
    }

    StackView {
        id: stack
        anchors.fill: parent
        initialItem: Store.enrolled ? window.tabComponent(window.currentTab) : loginPage
    }
    Connections {
        target: Store
        function onEnrolledChanged() {
            if (Store.enrolled) window.showTab(Store.isCoordinator ? "review" : "roster")
            else stack.replace(null, loginPage, {}, StackView.Immediate)
        }
    }

    Component { id: loginPage; LoginPage {} }
    Component { id: rosterPage; RosterPage { onOpenStudent: (id) => window.openStudent(id) } }
    Component { id: draftsPage; DraftsPage { onOpenVisit: (id, status) => window.openVisit(id, status) } }
    Component { id: returnedPage; ReturnedPage { onOpenVisit: (id, status) => window.openVisit(id, status) } }
    Component { id: reviewPage; ReviewQueuePage { onOpenVisit: (id, status) => window.openVisit(id, status) } }
    Component { id: conflictsPage; ConflictsPage {} }
    Component { id: coveragePage; CoveragePage {} }
    Component { id: settingsPage; SettingsPage {} }
    Component {
        id: studentPage
        StudentPage {
            onOpenStudent: (id) => window.openStudent(id)
            onOpenVisit: (id, status) => window.openVisit(id, status)
            onStartVisit: (id) => window.startVisit(id)
        }
    }
    Component { id: visitFormPage; VisitFormPage { onDone: stack.pop() } }
    Component { id: visitDetailPage; VisitDetailPage { onDone: stack.pop() } }
}
