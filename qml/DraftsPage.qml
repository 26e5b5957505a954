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
            required property string visitId
            required property string studentName
            required property string school
            required property string className
            required property string village
            required property string status
            required property string updatedText
            required property bool pending
            objectName: "draft_" + visitId
            studentName: studentName
            place: [school + " " + className, village].filter(function (s) { return s.trim() !== "" }).join(" · ")
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
