// One visit in a list (drafts, returned, review queue, a student's history): the student,
// where, the status, when, and the coordinator's comment when there is one. Tap to open.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ItemDelegate {
    id: card
    property string studentName
    property string place
    property string status
    property string updatedText
    property string authorName
    property string comment
    property bool pending
    property string tier

    width: ListView.view ? ListView.view.width : implicitWidth
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
                text: card.studentName
                font.pixelSize: Theme.fontTitle
                font.bold: true
                color: Theme.text
                Layout.fillWidth: true
                elide: Text.ElideRight
            }
            StatusChip { status: card.status }
        }
        Label {
            text: card.place
            visible: text !== ""
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
                if (card.tier !== "") parts.push(Theme.tierText(card.tier))
                if (card.pending) parts.push(qsTr("not uploaded yet"))
                return parts.join(" · ")
            }
            font.pixelSize: Theme.fontSmall
            color: card.pending ? Theme.warn : Theme.textMuted
            elide: Text.ElideRight
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
                anchors { fill: parent; margins: 8 }
                text: qsTr("Coordinator: %1").arg(card.comment)
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontBody
                color: Theme.text
            }
        }
    }
}
