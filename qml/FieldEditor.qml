// One item of the form renderer: a question with its editor, a group heading, a repeat
// group's heading with "add", one repeat row's heading with "remove", or a note. Which
// editor is shown follows the question's type. Values go to the FormModel, which evaluates
// relevance, calculations and constraints and sends back `relevant` and `error`.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Column {
    id: editor
    property FormModel form
    // Roles of the item (FormModel roles).
    required property string key
    required property string kind
    required property string type
    required property string label
    required property string hint
    required property bool required
    required property bool relevant
    required property bool readOnly
    required property string text
    required property var value
    required property string error
    required property var choices
    required property int depth
    required property string repeatName
    required property int row
    required property int rowCount
    required property string imageUrl

    visible: relevant
    objectName: "item_" + key

    spacing: 6
    // Width comes from the form view's layout; repeat rows are indented.
    Layout.fillWidth: true
    Layout.leftMargin: depth * 12

    // Headings -----------------------------------------------------------------------
    Label {
        visible: editor.kind === "group"
        width: parent.width
        topPadding: 12
        text: editor.label
        font.pixelSize: Theme.fontTitle
        font.bold: true
        color: Theme.primary
        wrapMode: Text.Wrap
    }
    RowLayout {
        visible: editor.kind === "repeat"
        width: parent.width
        Label {
            Layout.fillWidth: true
            text: editor.label + " (" + editor.rowCount + ")"
            font.pixelSize: Theme.fontTitle
            font.bold: true
            color: Theme.primary
            wrapMode: Text.Wrap
        }
        AppButton {
            objectName: "addRow_" + editor.key
            visible: !editor.readOnly
            text: qsTr("+ Add")
            font.pixelSize: Theme.fontBody
            Layout.preferredHeight: Theme.touch
            onClicked: editor.form.addRow(editor.key)
        }
    }
    RowLayout {
        visible: editor.kind === "row"
        width: parent.width
        Rectangle { Layout.preferredWidth: 4; Layout.fillHeight: true; color: Theme.primary; radius: 2 }
        Label {
            Layout.fillWidth: true
            text: editor.label
            font.pixelSize: Theme.fontBody
            font.bold: true
            color: Theme.text
        }
        AppButton {
            objectName: "removeRow_" + editor.key
            visible: !editor.readOnly
            kind: "quiet"
            text: qsTr("Remove")
            font.pixelSize: Theme.fontBody
            Layout.preferredHeight: Theme.touch
            onClicked: removeDialog.open()
        }
        Dialog {
            id: removeDialog
            parent: Overlay.overlay
            anchors.centerIn: parent
            modal: true
            title: qsTr("Remove %1?").arg(editor.label)
            standardButtons: Dialog.Yes | Dialog.No
            onAccepted: editor.form.removeRow(editor.repeatName, editor.row)
        }
    }
    Label {
        visible: editor.kind === "note"
        width: parent.width
        text: editor.label
        font.pixelSize: Theme.fontBody
        color: Theme.textMuted
        wrapMode: Text.Wrap
    }

    // A question ------------------------------------------------------------------------
    Label {
        objectName: "label_" + editor.key
        visible: editor.kind === "question"
        width: parent.width
        topPadding: 6
        text: editor.label + (editor.required && !editor.readOnly ? " <font color=\"" + Theme.danger + "\">*</font>" : "")
        textFormat: Text.StyledText
        font.pixelSize: Theme.fontBody
        font.bold: true
        color: Theme.text
        wrapMode: Text.Wrap
    }
    Label {
        visible: editor.kind === "question" && editor.hint !== "" && !editor.readOnly
        width: parent.width
        text: editor.hint
        font.pixelSize: Theme.fontSmall
        color: Theme.textMuted
        wrapMode: Text.Wrap
    }
    Loader {
        id: input
        width: parent.width
        active: editor.kind === "question"
        sourceComponent: {
            if (editor.readOnly) return editor.type === "photo" || editor.type === "signature" ? imageView : textView
            switch (editor.type) {
            case "text": case "integer": case "decimal": return textInput
            case "date": return dateInput
            case "select_one": case "select_multiple": return choiceInput
            case "geopoint": return geoInput
            case "photo": return photoInput
            case "signature": return signatureInput
            }
            return textView
        }
    }
    Label {
        objectName: "error_" + editor.key
        visible: editor.error !== ""
        width: parent.width
        text: editor.error
        font.pixelSize: Theme.fontBody
        color: Theme.danger
        wrapMode: Text.Wrap
    }

    Component {
        id: textView
        Label {
            text: editor.text !== "" ? editor.text : qsTr("(no answer)")
            font.pixelSize: Theme.fontBody
            color: editor.text !== "" ? Theme.text : Theme.textMuted
            wrapMode: Text.Wrap
        }
    }
    Component {
        id: imageView
        Image {
            source: editor.imageUrl
            fillMode: Image.PreserveAspectFit
            height: editor.imageUrl !== "" ? 180 : 0
            horizontalAlignment: Image.AlignLeft
            asynchronous: true
        }
    }
    Component {
        id: textInput
        TextField {
            objectName: "input_" + editor.key
            text: editor.text
            font.pixelSize: Theme.fontBody
            implicitHeight: Theme.touch
            placeholderText: editor.type === "integer" ? qsTr("Whole number")
                             : editor.type === "decimal" ? qsTr("Number") : ""
            inputMethodHints: editor.type === "integer" ? Qt.ImhFormattedNumbersOnly
                              : editor.type === "decimal" ? Qt.ImhFormattedNumbersOnly : Qt.ImhNone
            onTextEdited: editor.form.setText(editor.key, text)
        }
    }
    Component {
        id: dateInput
        DateEditor {
            text: editor.text
            onPicked: (iso) => editor.form.setText(editor.key, iso)
        }
    }
    Component {
        id: choiceInput
        ChoiceEditor {
            key: editor.key
            multiple: editor.type === "select_multiple"
            choices: editor.choices
            value: editor.value
            onChosen: (code, on) => {
                if (editor.type === "select_multiple")
                    editor.form.toggleChoice(editor.key, code, on)
                else
                    editor.form.setText(editor.key, code)  // a radio stays chosen
            }
        }
    }
    Component {
        id: geoInput
        GeoPointEditor {
            form: editor.form
            key: editor.key
            text: editor.text
        }
    }
    Component {
        id: photoInput
        PhotoEditor {
            form: editor.form
            key: editor.key
            imageUrl: editor.imageUrl
        }
    }
    Component {
        id: signatureInput
        SignatureEditor {
            form: editor.form
            key: editor.key
            imageUrl: editor.imageUrl
        }
    }
}
