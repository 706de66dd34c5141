package dev.tieline.jetbrains

import com.intellij.ide.BrowserUtil
import com.intellij.openapi.application.ApplicationManager
import com.intellij.notification.NotificationType
import com.intellij.openapi.project.Project
import com.intellij.openapi.ui.popup.JBPopupFactory
import com.intellij.ui.SimpleListCellRenderer
import com.intellij.openapi.util.Disposer
import com.intellij.openapi.wm.StatusBar
import com.intellij.openapi.wm.StatusBarWidget
import com.intellij.openapi.wm.StatusBarWidgetFactory
import com.intellij.util.Alarm
import dev.tieline.client.FocusChoice
import dev.tieline.client.StatusSummary
import com.intellij.util.Consumer
import java.awt.Component
import java.awt.event.MouseEvent
import java.time.Instant

/**
 * Integration health, focus mode, folder sync, the team hub link and the next meeting in the
 * status bar: `tieline/status` every minute and on `tieline/status/changed`, summarized by the
 * client module.
 */
class TielineStatusWidgetFactory : StatusBarWidgetFactory {
    override fun getId() = "dev.tieline.status"
    override fun getDisplayName() = "Tieline"
    override fun createWidget(project: Project): StatusBarWidget = TielineStatusWidget(project)
}

class TielineStatusWidget(private val project: Project) : StatusBarWidget, StatusBarWidget.TextPresentation {
    @Volatile private var summary = StatusSummary("Tieline", "disabled", "Starting…")
    private var statusBar: StatusBar? = null
    private val alarm = Alarm(Alarm.ThreadToUse.POOLED_THREAD, this)
    private var statusChanges: AutoCloseable? = null

    override fun ID() = "dev.tieline.status"
    override fun getPresentation() = this
    override fun getText() = summary.text
    override fun getTooltipText() = summary.tooltip
    override fun getAlignment() = Component.LEFT_ALIGNMENT

    /**
     * While focusing, a click offers Stop / Extend (and Join): the pick is the confirmation.
     * Otherwise it joins the next meeting when it has a link (in the browser, as every join
     * link opens).
     */
    override fun getClickConsumer(): Consumer<MouseEvent>? {
        val current = summary
        if (current.focus != null) return Consumer { chooseFocus(current) }
        return current.joinUrl?.let { url -> Consumer { BrowserUtil.browse(url) } }
    }

    private fun chooseFocus(current: StatusSummary) {
        val choices = FocusChoice.of(current, Instant.now())
        JBPopupFactory.getInstance().createPopupChooserBuilder(choices)
            .setTitle("Focus ${current.focus?.untilText.orEmpty()}")
            .setRenderer(SimpleListCellRenderer.create<FocusChoice>("") { it.label })
            .setItemChosenCallback { runChoice(it) }
            .createPopup().showCenteredInCurrentWindow(project)
    }

    private fun runChoice(choice: FocusChoice) {
        val url = choice.url
        if (url != null) {
            BrowserUtil.browse(url)
            return
        }
        val command = choice.command ?: return
        TielinePanels.get(project).execute(command, choice.arguments).whenComplete { _, error ->
            if (error != null) notify(project, "Tieline focus: ${error.message}", NotificationType.ERROR)
            poll(again = false)
        }
    }

    override fun install(statusBar: StatusBar) {
        this.statusBar = statusBar
        statusChanges = TielinePanels.get(project).onStatusChanged { poll(again = false) }
        poll()
    }

    /** Ask for the status now; [again]: and once a minute from then on. */
    private fun poll(again: Boolean = true) {
        TielinePanels.get(project).server().thenCompose { it.status() }.whenComplete { status, error ->
            summary = if (status != null) StatusSummary.of(status)
            else StatusSummary("Tieline: off", "disabled", error?.message ?: "not running")
            ApplicationManager.getApplication().invokeLater { statusBar?.updateWidget(ID()) }
        }
        if (again && !alarm.isDisposed) alarm.addRequest({ poll() }, 60_000)
    }

    override fun dispose() {
        statusChanges?.close()
        Disposer.dispose(alarm)
    }
}
