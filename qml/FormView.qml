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
                form: view.form
            }
        }
    }
    ScrollIndicator.vertical: ScrollIndicator {}
}
