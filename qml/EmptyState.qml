// What a list shows when it has nothing: one plain sentence, centred.
import QtQuick
import QtQuick.Controls

Label {
    horizontalAlignment: Text.AlignHCenter
    wrapMode: Text.Wrap
    color: Theme.textMuted
    font.pixelSize: Theme.fontBody
    padding: Theme.pad * 2
}
