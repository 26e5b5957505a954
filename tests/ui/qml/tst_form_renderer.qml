// The form renderer as a teacher uses it: taps and typing on the rendered form.
import QtQuick
import QtTest
import HomeVisit

Item {
    id: root
    width: 420
    height: 1800

    readonly property var definition: ({
        id: "test_visit", version: 1, title: { zh: "测试家访", en: "Test visit" },
        fields: [
            { name: "met", type: "select_one", required: true, label: { zh: "见到家长了吗", en: "Met a parent?" },
              choices: [ { code: "yes", label: { zh: "是", en: "Yes" } }, { code: "no", label: { zh: "否", en: "No" } } ] },
            { name: "why_not", type: "text", required: true, relevant: "${met} = 'no'",
              label: { zh: "没见到的原因", en: "Why not" } },
            { name: "land", type: "decimal", label: { zh: "耕地（亩）", en: "Land (mu)" },
              constraint: ". <= 100", constraint_message: { zh: "耕地不能超过 100 亩", en: "At most 100 mu" } },
            { name: "members", type: "repeat", label: { zh: "家庭成员", en: "Members" },
              children: [ { name: "member_name", type: "text", required: true, label: { zh: "姓名", en: "Name" } } ] }
        ]
    })

    FormModel { id: form }
    FormView { id: view; anchors.fill: parent; form: form; interactive: false }

    TestCase {
        name: "FormRenderer"
        when: windowShown

        function init() {
            verify(form.loadDefinition(JSON.stringify(root.definition)))
            wait(0)
        }
        function item(key) { return findChild(view, "item_" + key) }
        function typeText(field, text) {
            mouseClick(field)
            for (var i = 0; i < text.length; ++i) keyClick(text[i])
        }

        function test_relevance_hides_a_field() {
            var followUp = item("why_not")
            verify(followUp)
            compare(followUp.visible, false)
            mouseClick(findChild(view, "choice_met_no"))
            tryCompare(followUp, "visible", true)
            mouseClick(findChild(view, "choice_met_yes"))
            tryCompare(followUp, "visible", false)
        }

        function test_a_constraint_shows_its_message() {
            var error = findChild(view, "error_land")
            compare(error.visible, false)
            typeText(findChild(view, "input_land"), "120")
            tryCompare(error, "visible", true)
            compare(error.text, "耕地不能超过 100 亩")
            keyClick(Qt.Key_Backspace)
            keyClick(Qt.Key_Backspace)  // "1"
            tryCompare(error, "visible", false)
        }

        function test_required_blocks_submit() {
            var error = findChild(view, "error_met")
            compare(error.visible, false)  // a fresh form is not all red
            verify(!form.submit())
            tryCompare(error, "visible", true)
            compare(error.text, "此项必填")
            verify(form.errorCount >= 1)
            compare(form.visitId, "")
        }

        function test_repeat_rows_are_added_and_removed() {
            var add = findChild(view, "addRow_members")
            verify(add, "no add button")
            mouseClick(add)
            tryCompare(item("members"), "rowCount", 1)
            mouseClick(findChild(view, "addRow_members"))
            tryVerify(function () { return item("members#1/member_name") !== null })
            compare(item("members").rowCount, 2)
            verify(form.removeRow("members", 0))
            tryVerify(function () { return item("members#1/member_name") === null })
            compare(item("members").rowCount, 1)
        }
    }
}
