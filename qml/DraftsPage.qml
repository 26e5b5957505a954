// Visits saved as drafts on this phone, newest first. Tap one to continue it.
import QtQuick
import QtQuick.Controls
import HomeVisit

Page {
    id: page
    objectName: "draftsPage"
    title: qsTr("Drafts")
    background: Rectangle { color: Theme.background }
    signal openVisit(string visitId, string status)

    ListView {
        id: list
        anchors.fill: parent
        clip: true
        model: Store.drafts
        delegate: VisitCard {
            onClicked: page.openVisit(visitId, status)
        }
        EmptyState {
            anchors.fill: parent
            verticalAlignment: Text.AlignVCenter
            visible: list.count === 0
            text: qsTr("No drafts. A visit you save without submitting waits here.")
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }
}
