// The bottom bar of the home screen: one big button per section, with a count badge.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: nav
    // [{name, title, badge}]
    property var tabs: []
    property string current
    signal selected(string name)

    implicitHeight: 64
    color: Theme.surface
    Rectangle { width: parent.width; height: 1; color: Theme.border }

    RowLayout {
        anchors.fill: parent
        anchors.topMargin: 1
        spacing: 0
        Repeater {
            model: nav.tabs
            delegate: AbstractButton {
                id: tab
                objectName: "tab_" + modelData.name
                Layout.fillWidth: true
                Layout.fillHeight: true
                readonly property bool active: nav.current === modelData.name
                onClicked: nav.selected(modelData.name)
                background: Rectangle {
                    color: tab.active ? Theme.primaryLight : (tab.down ? "#EEF2F6" : "transparent")
                    Rectangle {
                        visible: tab.active
                        anchors.top: parent.top
                        width: parent.width; height: 3
                        color: Theme.primary
                    }
                }
                contentItem: Item {
                    Label {
                        anchors.centerIn: parent
                        text: modelData.title
                        font.pixelSize: Theme.fontBody
                        font.bold: tab.active
                        color: tab.active ? Theme.primary : Theme.text
                    }
                    Rectangle {
                        visible: modelData.badge > 0
                        x: parent.width / 2 + 18
                        y: 6
                        height: 22
                        width: Math.max(22, badgeText.implicitWidth + 10)
                        radius: 11
                        color: Theme.danger
                        Label {
                            id: badgeText
                            anchors.centerIn: parent
                            text: modelData.badge > 99 ? "99+" : modelData.badge
                            color: "white"
                            font.pixelSize: 13
                            font.bold: true
                        }
                    }
                }
            }
        }
    }
}
