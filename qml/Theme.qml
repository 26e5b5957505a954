// Colours, sizes and the plain-word names of states, shared by every page. Sizes are for
// phones held in one hand outdoors: large text, touch targets of at least 56 px.
pragma Singleton
import QtQuick

QtObject {
    readonly property color primary: "#1B64A8"
    readonly property color primaryLight: "#E3EEF8"
    readonly property color background: "#F2F4F7"
    readonly property color surface: "#FFFFFF"
    readonly property color text: "#17202A"
    readonly property color textMuted: "#4F5B66"
    readonly property color border: "#CBD3DB"
    readonly property color ok: "#2E7D32"
    readonly property color okLight: "#E4F3E5"
    readonly property color warn: "#A85F00"
    readonly property color warnLight: "#FFF1DC"
    readonly property color danger: "#C62828"
    readonly property color dangerLight: "#FCE6E6"

    readonly property int fontSmall: 15
    readonly property int fontBody: 18
    readonly property int fontTitle: 21
    readonly property int fontLarge: 26
    readonly property int touch: 56
    readonly property int pad: 16
    readonly property int gap: 10
    readonly property int radius: 10

    function statusText(status) {
        switch (status) {
        case "draft": return qsTr("Draft")
        case "submitted": return qsTr("Submitted")
        case "resubmitted": return qsTr("Resubmitted")
        case "returned": return qsTr("Returned")
        case "approved": return qsTr("Approved")
        case "rejected": return qsTr("Rejected")
        case "": return qsTr("Not visited")
        }
        return status
    }
    function statusColor(status) {
        switch (status) {
        case "draft": return textMuted
        case "submitted":
        case "resubmitted": return primary
        case "returned": return warn
        case "approved": return ok
        case "rejected": return danger
        }
        return textMuted
    }
    function statusBackground(status) {
        switch (status) {
        case "draft": return "#E8EBEE"
        case "submitted":
        case "resubmitted": return primaryLight
        case "returned": return warnLight
        case "approved": return okLight
        case "rejected": return dangerLight
        }
        return surface
    }

    // Difficulty tiers (认定等级), in order from most to least in need.
    // Gender as the roster stores it (男 / 女).
    function genderText(g) {
        if (g === "男" || g === "male") return qsTr("Boy")
        if (g === "女" || g === "female") return qsTr("Girl")
        return g
    }

    // Codes as in the home-visit form's assessed_tier question.
    readonly property var tierCodes: ["especially_difficult", "difficult", "generally_difficult", "not_difficult"]
    function tierText(code) {
        switch (code) {
        case "especially_difficult": return qsTr("Especially difficult")
        case "difficult": return qsTr("Difficult")
        case "generally_difficult": return qsTr("Somewhat difficult")
        case "not_difficult": return qsTr("Not in difficulty")
        }
        return code === "" ? qsTr("Not set") : code
    }
}
