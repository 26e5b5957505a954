// The sync bar's states, driven by a real sync against a server address where nothing
// listens: idle and offline, running with its phase and a stop button, then the plain
// "unreachable, your data is safe" result; and a cancelled sync.
import QtQuick
import QtTest
import HomeVisit

Item {
    width: 420
    height: 260

    SyncBar { id: bar; width: parent.width }

    TestCase {
        name: "SyncBar"
        when: windowShown

        function part(name) { return findChild(bar, name) }

        function test_1_idle_shows_offline_and_what_waits() {
            compare(Sync.running, false)
            compare(part("onlineText").text, "离线")
            verify(part("pendingText").text.length > 0)
            compare(part("resultText").visible, false)
            compare(part("syncButton").text, "同步")
        }

        function test_2_unreachable_server_is_said_in_plain_words() {
            mouseClick(part("syncButton"))
            compare(Sync.running, true)
            compare(part("syncButton").text, "停止")
            verify(part("progress").visible)
            verify(part("phaseText").text.length > 0)
            tryCompare(Sync, "running", false, 60000)
            compare(Sync.errorKind, "offline")
            var result = part("resultText")
            verify(result.visible)
            verify(result.text.indexOf("服务器不可达") === 0, result.text)
            compare(part("onlineText").text, "离线")
            compare(part("syncButton").text, "同步")
        }

        function test_3_stop_ends_the_sync_and_nothing_is_lost() {
            mouseClick(part("syncButton"))
            compare(Sync.running, true)
            mouseClick(part("syncButton"))  // "停止"
            tryCompare(Sync, "running", false, 30000)
            compare(Sync.errorKind, "cancelled")
            verify(part("resultText").text.indexOf("同步已停止") === 0, part("resultText").text)
        }
    }
}
