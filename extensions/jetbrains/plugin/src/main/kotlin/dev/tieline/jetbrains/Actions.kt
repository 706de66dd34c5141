package dev.tieline.jetbrains

import com.intellij.ide.BrowserUtil
import com.intellij.notification.NotificationGroupManager
import com.intellij.notification.NotificationType
import com.intellij.openapi.actionSystem.AnAction
import com.intellij.openapi.actionSystem.AnActionEvent
import com.intellij.openapi.project.Project
import com.intellij.openapi.ui.popup.JBPopupFactory
import dev.tieline.client.AuthParams
import dev.tieline.client.SignInPrompt
import dev.tieline.client.SignOutParams
import dev.tieline.client.TielineCommands

private fun notify(project: Project, text: String, type: NotificationType = NotificationType.INFORMATION) =
    NotificationGroupManager.getInstance().getNotificationGroup("Tieline")?.createNotification(text, type)?.notify(project)

/** Ask the server to poll its services now; panels refresh through tieline/panel/changed. */
class RefreshAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        TielinePanels.get(project).execute(TielineCommands.REFRESH)
    }
}

/** Device-flow or browser sign-in; what to show comes from the client module's SignInPrompt. */
class SignInAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        TielinePanels.get(project).server().thenCompose { it.signIn(AuthParams("github")) }.whenComplete { result, error ->
            val prompt = result?.let(SignInPrompt::of)
            prompt?.openUrl?.let(BrowserUtil::browse)
            notify(project, prompt?.message ?: "Sign-in failed: ${error?.message}",
                if (prompt?.failed == false) NotificationType.INFORMATION else NotificationType.ERROR)
        }
    }
}

class SignOutAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        TielinePanels.get(project).server().thenCompose { it.signOut(SignOutParams("github")) }
            .thenAccept { notify(project, if (it.signedOut) "Signed out of GitHub" else "Was not signed in to GitHub") }
    }
}

/** Any command the server offers (its executeCommandProvider), picked from a list. */
class RunCommandAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        val panels = TielinePanels.get(project)
        panels.capabilities().thenAccept { caps ->
            val commands = caps?.executeCommandProvider?.commands.orEmpty()
            com.intellij.openapi.application.ApplicationManager.getApplication().invokeLater {
                JBPopupFactory.getInstance().createPopupChooserBuilder(commands)
                    .setTitle("Tieline Commands")
                    .setItemChosenCallback { panels.execute(it) }
                    .createPopup().showCenteredInCurrentWindow(project)
            }
        }
    }
}
