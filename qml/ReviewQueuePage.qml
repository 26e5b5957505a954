// The coordinator's review queue: submitted and resubmitted visits of the schools in scope,
// oldest first. Tap one to read it and decide.
import QtQuick
import QtQuick.Controls
import HomeVisit

Page {
    id: page
    objectName: "reviewQueuePage"
    title: qsTr("To review")
    background: Rectangle { color: Theme.background }
    signal openVisit(string visitId, string status)

    ListView {
        id: list
        anchors.fill: parent
        clip: true
        model: Store.reviewQueue
        delegate: VisitCard {
            showSuggestedTier: true
            onClicked: page.openVisit(visitId, status)
        }
        EmptyState {
            anchors.fill: parent
            verticalAlignment: Text.AlignVCenter
            visible: list.count === 0
            text: qsTr("No visit is waiting for review.")
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }
}
