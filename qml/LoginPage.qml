// First start: the server address, the user and the password. After one successful sign-in
// the phone stays enrolled and works without the network.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import HomeVisit

Page {
    id: page
    objectName: "loginPage"
    title: qsTr("Sign in")
    background: Rectangle { color: Theme.background }

    function errorText(kind, detail) {
        switch (kind) {
        case "": return ""
        case "missing": return qsTr("Please fill in the server address, your user name and your password.")
        case "offline": return qsTr("Cannot reach the server. Check the address and the signal, then try again.")
        case "auth": return qsTr("The user name or the password is wrong.")
        case "throttled": return qsTr("Too many attempts. Please wait a few minutes and try again.")
        case "address": return qsTr("The server address is not valid. It looks like 192.168.1.10:7443.")
        }
        return qsTr("Sign-in failed: %1").arg(detail)
    }

    Flickable {
        anchors.fill: parent
        contentHeight: form.implicitHeight + 2 * Theme.pad
        ColumnLayout {
            id: form
            y: Theme.pad
            width: Math.min(parent.width - 2 * Theme.pad, 520)
            anchors.horizontalCenter: parent.horizontalCenter
            spacing: Theme.gap

            Label {
                text: qsTr("Home Visits")
                font.pixelSize: 32
                font.bold: true
                color: Theme.primary
                Layout.topMargin: 24
            }
            Label {
                text: qsTr("Record home visits even without signal. Sign in once with the account from your school.")
                wrapMode: Text.Wrap
                Layout.fillWidth: true
                font.pixelSize: Theme.fontBody
                color: Theme.textMuted
                Layout.bottomMargin: 12
            }
            Label { text: qsTr("Server address"); font.pixelSize: Theme.fontBody; color: Theme.text }
            TextField {
                id: server
                objectName: "serverField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touch
                font.pixelSize: Theme.fontBody
                text: Store.serverAddress
                placeholderText: "192.168.1.10:7443"
                inputMethodHints: Qt.ImhUrlCharactersOnly | Qt.ImhNoAutoUppercase
            }
            Label { text: qsTr("User name"); font.pixelSize: Theme.fontBody; color: Theme.text }
            TextField {
                id: user
                objectName: "userField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touch
                font.pixelSize: Theme.fontBody
                text: Store.userName
                inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
            }
            Label { text: qsTr("Password"); font.pixelSize: Theme.fontBody; color: Theme.text }
            TextField {
                id: password
                objectName: "passwordField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touch
                font.pixelSize: Theme.fontBody
                echoMode: TextInput.Password
                onAccepted: signIn.clicked()
            }
            Label {
                objectName: "loginError"
                visible: text !== ""
                text: page.errorText(Sync.loginError, Sync.loginErrorDetail)
                wrapMode: Text.Wrap
                Layout.fillWidth: true
                font.pixelSize: Theme.fontBody
                color: Theme.danger
            }
            AppButton {
                id: signIn
                objectName: "signInButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touch + 8
                Layout.topMargin: 8
                text: Sync.loginBusy ? qsTr("Signing in…") : qsTr("Sign in")
                enabled: !Sync.loginBusy
                kind: "primary"
                font.pixelSize: Theme.fontTitle
                font.bold: true
                onClicked: Sync.login(server.text, user.text, password.text)
            }
            BusyIndicator {
                running: Sync.loginBusy
                visible: running
                Layout.alignment: Qt.AlignHCenter
            }
            AppButton {
                objectName: "languageButton"
                kind: "quiet"
                Layout.alignment: Qt.AlignHCenter
                Layout.topMargin: 16
                text: Language.current === "en" ? "切换到中文" : "Switch to English"
                onClicked: Language.select(Language.current === "en" ? "zh_CN" : "en")
            }
        }
    }
}
