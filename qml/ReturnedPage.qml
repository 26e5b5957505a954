// Visits a coordinator returned for correction, each with the coordinator's comment.
import QtQuick
import QtQuick.Controls
import HomeVisit

Page {
    id: page
    objectName: "returnedPage"
    title: qsTr("Returned")
    background: Rectangle { color: Theme.background }
    signal openVisit(string visitId, string status)

    ListView {
        id: list
        anchors.fill: parent
        clip: true
        model: Store.returned
        delegate: VisitCard {
            onClicked: page.openVisit(visitId, status)
        }
        EmptyState {
            anchors.fill: parent
            verticalAlignment: Text.AlignVCenter
            visible: list.count === 0
            text: qsTr("Nothing returned. Visits a coordinator sends back for correction appear here.")
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }
}
