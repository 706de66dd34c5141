package dev.tieline.jetbrains

import com.intellij.openapi.actionSystem.AnAction
import com.intellij.openapi.actionSystem.AnActionEvent
import com.intellij.openapi.ui.popup.JBPopupFactory
import dev.tieline.client.TielineCommands

/** Ask the server to poll its services now; panels refresh through tieline/panel/changed. */
class RefreshAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        TielinePanels.get(project).execute(TielineCommands.REFRESH)
    }
}

/** Sign in to any installed connector, by any method it offers (see TielineSignIn). */
class SignInAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        TielineSignIn.chooseAndSignIn(e.project ?: return)
    }
}

/** Sign out of one of the accounts the server lists. */
class SignOutAction : AnAction() {
    override fun actionPerformed(e: AnActionEvent) {
        TielineSignIn.chooseAndSignOut(e.project ?: return)
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
