// One visit in a list (drafts, returned, review queue, a student's history): the student,
// where, the status, who and when, and the coordinator's comment when there is one. Its
// properties are the roles of VisitListModel. Tap to open.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ItemDelegate {
    id: card
    required property string visitId
    required property string studentName
    required property string school
    required property string className
    required property string village
    required property string status
    required property string authorName
    required property string comment
    required property string recommendedTier
    required property string determinedTier
    required property string updatedText
    required property bool pending
    // The review queue shows the teacher's suggestion; other lists the decision.
    property bool showSuggestedTier: false
    // The heading: the student's name, or (in a student's history) the visit's date.
    property string heading: studentName
    property bool showPlace: true

    objectName: "visit_" + visitId
    width: ListView.view ? ListView.view.width : implicitWidth
    Layout.fillWidth: true
    padding: Theme.pad
    topPadding: 12
    bottomPadding: 12
    background: Rectangle {
        color: card.down ? Theme.primaryLight : Theme.surface
        Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }
    }
    contentItem: ColumnLayout {
        spacing: 4
        RowLayout {
            Layout.fillWidth: true
            Label {
                text: card.heading
                font.pixelSize: Theme.fontTitle
                font.bold: true
                color: Theme.text
                Layout.fillWidth: true
                elide: Text.ElideRight
            }
            StatusChip { status: card.status }
        }
        Label {
            visible: card.showPlace && text !== ""
            text: [card.school + " " + card.className, card.village]
                  .filter(function (s) { return s.trim() !== "" }).join(" · ")
            font.pixelSize: Theme.fontSmall
            color: Theme.textMuted
            Layout.fillWidth: true
            elide: Text.ElideRight
        }
        Label {
            Layout.fillWidth: true
            text: {
                var parts = []
                if (card.authorName !== "") parts.push(card.authorName)
                if (card.updatedText !== "") parts.push(card.updatedText)
                var tier = card.showSuggestedTier ? card.recommendedTier : card.determinedTier
                if (tier !== "")
                    parts.push((card.showSuggestedTier ? qsTr("Suggested: %1") : qsTr("Decided: %1")).arg(Theme.tierText(tier)))
                return parts.join(" · ")
            }
            font.pixelSize: Theme.fontSmall
            color: Theme.textMuted
            wrapMode: Text.Wrap
        }
        Label {
            visible: card.pending
            text: qsTr("Saved on this phone, not uploaded yet")
            font.pixelSize: Theme.fontSmall
            color: Theme.warn
        }
        Rectangle {
            visible: card.comment !== ""
            Layout.fillWidth: true
            Layout.topMargin: 4
            implicitHeight: commentLabel.implicitHeight + 16
            radius: 6
            color: Theme.warnLight
            Label {
                id: commentLabel
                anchors { left: parent.left; right: parent.right; top: parent.top; margins: 8 }
                text: qsTr("Coordinator: %1").arg(card.comment)
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontBody
                color: Theme.text
            }
        }
    }
}
