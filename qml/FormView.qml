// The form renderer: every item of a FormModel in one scrolling column. Items that are not
// relevant are hidden (and the model clears their answers).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Flickable {
    id: view
    property FormModel form
    contentHeight: column.implicitHeight + 2 * Theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds

    // Scrolls so the item at `index` is near the top (used to show the first error).
    function showItem(index) {
        var item = items.itemAt(index)
        if (!item) return
        contentY = Math.max(0, Math.min(item.y + column.y - Theme.pad, contentHeight - height))
    }

    ColumnLayout {
        id: column
        x: Theme.pad
        y: Theme.pad
        width: view.width - 2 * Theme.pad
        spacing: 8
        Repeater {
            id: items
            model: view.form
            delegate: FieldEditor {
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
                objectName: "item_" + key
                visible: relevant
                form: view.form
            }
        }
    }
    ScrollIndicator.vertical: ScrollIndicator {}
}
