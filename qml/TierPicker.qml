// The difficulty tier (认定等级) as four big choices.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ChoiceEditor {
    id: picker
    property string tier
    key: "tier"
    multiple: false
    value: tier
    choices: Theme.tierCodes.map(function (c) { return { code: c, label: Theme.tierText(c) } })
    onChosen: (code, on) => picker.tier = code  // one tier is always chosen once picked
}
