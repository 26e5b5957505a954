// Recording a visit: the form of the student's visit, with "save draft" (instant, on the
// phone) and "submit" (checked here first; problems are shown at their questions).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "visitFormPage"
    property FormModel form: Store.form
    title: form.studentName !== "" ? qsTr("Visit: %1").arg(form.studentName) : qsTr("Visit")
    background: Rectangle { color: Theme.background }
    signal done()

    // Leaving with unsaved answers keeps them as a draft: nothing typed is lost.
    StackView.onRemoved: if (form.dirty && !form.readOnly) form.saveDraft()

    header: Rectangle {
        visible: banner.text !== ""
        implicitHeight: visible ? banner.implicitHeight + 16 : 0
        color: page.form.errorCount > 0 ? Theme.dangerLight : Theme.okLight
        Label {
            id: banner
            objectName: "formBanner"
            anchors { fill: parent; margins: 8; leftMargin: Theme.pad; rightMargin: Theme.pad }
            text: page.form.errorCount > 0
                  ? qsTr("%n answer(s) need attention before submitting.", "", page.form.errorCount)
                  : page.form.message
            wrapMode: Text.Wrap
            font.pixelSize: Theme.fontBody
            color: page.form.errorCount > 0 ? Theme.danger : Theme.ok
        }
    }

    FormView {
        id: formView
        objectName: "formView"
        anchors.fill: parent
        anchors.bottomMargin: actions.height
        form: page.form
    }

    Rectangle {
        id: actions
        anchors.bottom: parent.bottom
        width: parent.width
        height: Theme.touch + 2 * Theme.gap
        color: Theme.surface
        Rectangle { width: parent.width; height: 1; color: Theme.border }
        RowLayout {
            anchors { fill: parent; margins: Theme.gap; leftMargin: Theme.pad; rightMargin: Theme.pad }
            spacing: Theme.gap
            AppButton {
                objectName: "saveDraftButton"
                Layout.fillWidth: true
                Layout.fillHeight: true
                text: qsTr("Save draft")
                font.pixelSize: Theme.fontTitle
                onClicked: page.form.saveDraft()
            }
            AppButton {
                objectName: "submitButton"
                Layout.fillWidth: true
                Layout.fillHeight: true
                text: qsTr("Submit")
                kind: "primary"
                font.pixelSize: Theme.fontTitle
                font.bold: true
                onClicked: {
                    if (page.form.submit())
                        page.done()
                    else
                        formView.showItem(page.form.firstErrorIndex)
                }
            }
        }
    }
}
