package dev.tieline.jetbrains

import com.intellij.ide.BrowserUtil
import com.intellij.notification.NotificationAction
import com.intellij.notification.NotificationGroupManager
import com.intellij.notification.NotificationType
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.ide.CopyPasteManager
import com.intellij.openapi.project.Project
import com.intellij.openapi.ui.DialogWrapper
import com.intellij.openapi.ui.ValidationInfo
import com.intellij.openapi.ui.popup.JBPopupFactory
import com.intellij.ui.SimpleListCellRenderer
import com.intellij.ui.components.JBPasswordField
import com.intellij.ui.components.JBTextField
import com.intellij.ui.dsl.builder.COLUMNS_MEDIUM
import com.intellij.ui.dsl.builder.columns
import com.intellij.ui.dsl.builder.panel
import dev.tieline.client.AuthOption
import dev.tieline.client.SecretRequest
import dev.tieline.client.SignIn
import dev.tieline.client.SignInChoice
import dev.tieline.client.SignInStep
import dev.tieline.client.SignInTarget
import dev.tieline.client.SignOutChoice
import java.awt.datatransfer.StringSelection
import javax.swing.JComponent

internal fun notify(project: Project, text: String, type: NotificationType = NotificationType.INFORMATION) {
    NotificationGroupManager.getInstance().getNotificationGroup("Tieline")?.createNotification(text, type)?.notify(project)
}

private fun onUi(block: () -> Unit) = ApplicationManager.getApplication().invokeLater(block)

/**
 * Sign-in and sign-out UIs. Every list is built from `tieline/connectors`, so no service is
 * named here; the client module's [SignIn] runs the chosen method and says what to show.
 */
object TielineSignIn {
    /** Tools › Tieline › Sign In…: pick a connector (and host), then a method. */
    fun chooseAndSignIn(project: Project) {
        val panels = TielinePanels.get(project)
        panels.server().thenCompose { it.connectors() }.whenComplete { result, error ->
            if (result == null) return@whenComplete notify(project, "Tieline is not running: ${error?.message}", NotificationType.ERROR)
            val choices = SignInChoice.of(result)
            val waiting = SignInChoice.notReady(result).joinToString { it.name }
            val hint = if (waiting.isEmpty()) "" else " ($waiting: set its site in Settings › Tools › Tieline first)"
            if (choices.isEmpty()) return@whenComplete notify(project, "Nothing to sign in to$hint", NotificationType.WARNING)
            onUi {
                JBPopupFactory.getInstance().createPopupChooserBuilder(choices)
                    .setTitle("Sign In to")
                    .setRenderer(SimpleListCellRenderer.create<SignInChoice>("") { it.label })
                    .setNamerForFiltering { it.label }
                    .setItemChosenCallback { chooseMethod(project, it) }
                    .createPopup().showCenteredInCurrentWindow(project)
            }
        }
    }

    /** A tool-window "Sign in to X" item: the connector (and host) it carries, then a method. */
    fun signIn(project: Project, target: SignInTarget) {
        TielinePanels.get(project).server().thenCompose { it.connectors() }.whenComplete { result, error ->
            val choice = result?.let { SignInChoice.forTarget(it, target) }
                ?: return@whenComplete notify(project, "Cannot sign in to ${target.connector}: ${error?.message ?: "not installed"}", NotificationType.ERROR)
            onUi { chooseMethod(project, choice) }
        }
    }

    private fun chooseMethod(project: Project, choice: SignInChoice) {
        val options = choice.options
        when (options.size) {
            0 -> notify(project, "${choice.connector.name} offers no way to sign in from here", NotificationType.WARNING)
            1 -> collectAndRun(project, choice, options.single())
            else -> JBPopupFactory.getInstance().createPopupChooserBuilder(options)
                .setTitle("Sign In to ${choice.label}")
                .setRenderer(SimpleListCellRenderer.create<AuthOption>("") { it.label })
                .setItemChosenCallback { collectAndRun(project, choice, it) }
                .createPopup().showCenteredInCurrentWindow(project)
        }
    }

    private fun collectAndRun(project: Project, choice: SignInChoice, option: AuthOption) {
        val ask = SecretRequest.of(option)
        val signIn = TielinePanels.get(project).server().thenApply { SignIn(it) }
        if (ask == null) {
            signIn.thenCompose { it.run(choice, option) }.whenComplete { step, error -> show(project, step, error) }
            return
        }
        val dialog = SecretDialog(project, "Sign In to ${choice.label}", ask)
        if (!dialog.showAndGet()) return
        val secret = dialog.secret() // cleared by SignIn.run once sent
        val username = dialog.username()
        signIn.thenCompose { it.run(choice, option, secret, username) }.whenComplete { step, error -> show(project, step, error) }
    }

    private fun show(project: Project, step: SignInStep?, error: Throwable?) {
        when (step) {
            null -> notify(project, "Sign-in failed: ${error?.message}", NotificationType.ERROR)
            is SignInStep.ShowCode -> onUi {
                CopyPasteManager.getInstance().setContents(StringSelection(step.userCode))
                NotificationGroupManager.getInstance().getNotificationGroup("Tieline")
                    ?.createNotification("${step.message}. The code is on the clipboard.", NotificationType.INFORMATION)
                    ?.addAction(NotificationAction.createSimpleExpiring("Open browser") { BrowserUtil.browse(step.openUrl) })
                    ?.notify(project)
            }
            is SignInStep.OpenBrowser -> {
                BrowserUtil.browse(step.openUrl)
                notify(project, step.message)
            }
            is SignInStep.SignedIn, is SignInStep.Waiting -> notify(project, step.message)
            is SignInStep.Failed -> if (!step.cancelled) notify(project, step.message, NotificationType.ERROR)
        }
    }

    /** Tools › Tieline › Sign Out…: pick one of the accounts `tieline/connectors` lists. */
    fun chooseAndSignOut(project: Project) {
        val panels = TielinePanels.get(project)
        panels.server().thenCompose { it.connectors() }.whenComplete { result, error ->
            if (result == null) return@whenComplete notify(project, "Tieline is not running: ${error?.message}", NotificationType.ERROR)
            val accounts = SignOutChoice.of(result)
            if (accounts.isEmpty()) return@whenComplete notify(project, "No account is signed in")
            onUi {
                JBPopupFactory.getInstance().createPopupChooserBuilder(accounts)
                    .setTitle("Sign Out of")
                    .setRenderer(SimpleListCellRenderer.create<SignOutChoice>("") { it.label })
                    .setItemChosenCallback { choice ->
                        panels.server().thenCompose { it.signOut(choice.params) }.whenComplete { done, failed ->
                            if (done != null) notify(project, choice.message(done))
                            else notify(project, "Sign-out failed: ${failed?.message}", NotificationType.ERROR)
                        }
                    }
                    .createPopup().showCenteredInCurrentWindow(project)
            }
        }
    }
}

/** Asks for a pasted secret (never echoed) and, for `basic`, the user name the connector names. */
private class SecretDialog(project: Project, title: String, private val ask: SecretRequest) : DialogWrapper(project) {
    private val username = JBTextField()
    private val secret = JBPasswordField()

    init {
        this.title = title
        init()
    }

    override fun createCenterPanel(): JComponent = panel {
        ask.usernameLabel?.let { label ->
            row("${label.replaceFirstChar { it.uppercase() }}:") { cell(username).columns(COLUMNS_MEDIUM) }
        }
        row("${ask.secretLabel}:") { cell(secret).columns(COLUMNS_MEDIUM).comment(ask.help) }
    }

    override fun getPreferredFocusedComponent(): JComponent = if (ask.usernameLabel != null) username else secret

    override fun doValidate(): ValidationInfo? = when {
        ask.usernameLabel != null && username.text.isBlank() -> ValidationInfo("Enter the ${ask.usernameLabel}", username)
        secret.document.length == 0 -> ValidationInfo("Paste the ${ask.secretLabel}", secret)
        else -> null
    }

    fun secret(): CharArray = secret.password.also { secret.text = "" }

    fun username(): String = username.text.trim()
}
