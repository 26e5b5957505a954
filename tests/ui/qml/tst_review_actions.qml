// A coordinator's decisions on the visit detail page, written to the real device store.
import QtQuick
import QtTest
import HomeVisit

Item {
    id: root
    width: 420
    height: 7000  // tall enough that the decision buttons below all answers are on screen

    VisitDetailPage { id: page; anchors.fill: parent }
    SignalSpy { id: done; target: page; signalName: "done" }

    TestCase {
        name: "ReviewActions"
        when: windowShown

        function openFirst() {
            var id = Store.reviewQueue.idAt(0)
            verify(id !== "")
            verify(Store.openVisit(id))
            tryCompare(page, "canDecide", true)
            done.clear()
            return id
        }
        function button(name) { return findChild(page, name) }

        function test_return_needs_a_comment() {
            var before = Store.reviewQueue.count
            openFirst()
            mouseClick(button("returnButton"))
            compare(done.count, 0)
            var error = findChild(page, "decisionError")
            tryCompare(error, "visible", true)
            compare(error.text, "退回前请写明需要老师修改的地方。")
            compare(Store.reviewQueue.count, before)

            findChild(page, "commentField").text = "请补拍住房照片"
            mouseClick(button("returnButton"))
            compare(done.count, 1)
            compare(Store.reviewQueue.count, before - 1)
        }

        function test_approve_with_a_tier() {
            var before = Store.reviewQueue.count
            var id = openFirst()
            mouseClick(findChild(page, "choice_tier_difficult"))
            compare(findChild(page, "tierPicker").tier, "difficult")
            mouseClick(button("approveButton"))
            compare(Store.lastError, "")
            compare(done.count, 1)
            compare(Store.reviewQueue.count, before - 1)
            verify(Store.openVisit(id))
            compare(Store.form.status, "approved")
            compare(Store.form.determinedTier, "difficult")
            compare(page.canDecide, false)
        }

        function test_reject_asks_first() {
            var before = Store.reviewQueue.count
            openFirst()
            mouseClick(button("rejectButton"))
            var dialog = findChild(page, "rejectDialog")
            tryCompare(dialog, "opened", true)
            compare(Store.reviewQueue.count, before)  // nothing yet
            dialog.accept()
            tryCompare(done, "count", 1)
            compare(Store.reviewQueue.count, before - 1)
        }
    }
}
