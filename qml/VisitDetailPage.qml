// A visit as a coordinator reads it: every answer and photo, then the decision: approve,
// return with a comment, or reject, with the determined tier. Decisions are ordinary writes
// on this device and reach the server at the next sync.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "visitDetailPage"
    property FormModel form: Store.form
    readonly property bool canDecide: Store.isCoordinator
                                      && (form.status === "submitted" || form.status === "resubmitted")
    title: qsTr("Visit: %1").arg(form.studentName)
    background: Rectangle { color: Theme.background }
    signal done()

    function decide(action) {
        var ok = false
        if (action === "approve") ok = Store.approve(form.visitId, tier.tier, comment.text)
        else if (action === "return") ok = Store.returnVisit(form.visitId, comment.text)
        else if (action === "reject") ok = Store.reject(form.visitId, tier.tier, comment.text)
        if (ok) page.done()
    }

    Flickable {
        id: flick
        anchors.fill: parent
        anchors.bottomMargin: jumpBar.visible ? jumpBar.height : 0
        contentHeight: content.implicitHeight + 2 * Theme.pad
        clip: true
        ColumnLayout {
            id: content
            x: Theme.pad
            y: Theme.pad
            width: flick.width - 2 * Theme.pad
            spacing: Theme.gap

            Card {
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        text: page.form.studentName
                        font.pixelSize: Theme.fontLarge
                        font.bold: true
                        Layout.fillWidth: true
                        color: Theme.text
                    }
                    StatusChip { status: page.form.status }
                }
                InfoRow { label: qsTr("Teacher"); value: page.form.authorName }
                InfoRow { label: qsTr("Updated"); value: page.form.updatedText }
                InfoRow { label: qsTr("Suggested"); value: page.form.recommendedTier !== "" ? Theme.tierText(page.form.recommendedTier) : "" }
                InfoRow { label: qsTr("Decided"); value: page.form.determinedTier !== "" ? Theme.tierText(page.form.determinedTier) : "" }
                InfoRow { label: qsTr("Comment"); value: page.form.reviewComment }
            }

            Card {
                title: qsTr("Answers")
                FormView {
                    Layout.fillWidth: true
                    Layout.preferredHeight: contentHeight
                    interactive: false
                    form: page.form
                }
            }

            Card {
                id: decisionCard
                visible: page.canDecide
                objectName: "decisionCard"
                title: qsTr("Decision")
                Label { text: qsTr("Determined tier"); font.pixelSize: Theme.fontBody; font.bold: true }
                TierPicker {
                    id: tier
                    objectName: "tierPicker"
                    Layout.fillWidth: true
                    tier: page.form.determinedTier !== "" ? page.form.determinedTier : page.form.recommendedTier
                }
                Label { text: qsTr("Comment (needed when returning)"); font.pixelSize: Theme.fontBody; font.bold: true }
                TextArea {
                    id: comment
                    objectName: "commentField"
                    Layout.fillWidth: true
                    Layout.minimumHeight: 96
                    wrapMode: TextEdit.Wrap
                    font.pixelSize: Theme.fontBody
                    placeholderText: qsTr("What should the teacher check or correct?")
                }
                Label {
                    objectName: "decisionError"
                    visible: text !== ""
                    text: Store.lastError
                    color: Theme.danger
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                    font.pixelSize: Theme.fontBody
                }
                AppButton {
                    objectName: "approveButton"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Theme.touch
                    text: qsTr("Approve")
                    font.pixelSize: Theme.fontTitle
                    font.bold: true
                    kind: "ok"
                    onClicked: page.decide("approve")
                }
                RowLayout {
                    Layout.fillWidth: true
                    spacing: Theme.gap
                    AppButton {
                        objectName: "returnButton"
                        Layout.fillWidth: true
                        Layout.preferredHeight: Theme.touch
                        text: qsTr("Return for correction")
                        font.pixelSize: Theme.fontBody
                        onClicked: page.decide("return")
                    }
                    AppButton {
                        objectName: "rejectButton"
                        Layout.fillWidth: true
                        Layout.preferredHeight: Theme.touch
                        text: qsTr("Reject")
                        font.pixelSize: Theme.fontBody
                        kind: "danger"
                        onClicked: rejectDialog.open()
                    }
                }
            }
        }
    }
    // The decision sits after all the answers; this bar takes the coordinator there at once.
    Rectangle {
        id: jumpBar
        visible: page.canDecide && flick.contentY + flick.height < decisionCard.y + content.y
        anchors.bottom: parent.bottom
        width: parent.width
        height: Theme.touch + 2 * Theme.gap
        color: Theme.surface
        Rectangle { width: parent.width; height: 1; color: Theme.border }
        AppButton {
            objectName: "toDecisionButton"
            anchors { fill: parent; margins: Theme.gap; leftMargin: Theme.pad; rightMargin: Theme.pad }
            kind: "primary"
            text: qsTr("Decide: approve, return or reject")
            onClicked: flick.contentY = Math.max(0, Math.min(decisionCard.y + content.y - Theme.pad,
                                                             flick.contentHeight - flick.height))
        }
    }
    Dialog {
        id: rejectDialog
        objectName: "rejectDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(parent.width - 32, 420)
        modal: true
        title: qsTr("Reject this visit?")
        standardButtons: Dialog.Yes | Dialog.No
        contentItem: Label {
            text: qsTr("The family will not be identified from this visit. The teacher sees your comment.")
            wrapMode: Text.Wrap
            font.pixelSize: Theme.fontBody
        }
        onAccepted: page.decide("reject")
    }
}
