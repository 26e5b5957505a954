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
            required property string visitId
            required property string studentName
            required property string school
            required property string className
            required property string village
            required property string status
            required property string updatedText
            required property string authorName
            required property string comment
            required property bool pending
            objectName: "returned_" + visitId
            studentName: studentName
            place: [school + " " + className, village].filter(function (s) { return s.trim() !== "" }).join(" · ")
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
