package dev.tieline.jetbrains

import com.intellij.ide.BrowserUtil
import com.intellij.notification.NotificationType
import com.intellij.openapi.Disposable
import com.intellij.openapi.actionSystem.ActionUpdateThread
import com.intellij.openapi.actionSystem.AnAction
import com.intellij.openapi.actionSystem.AnActionEvent
import com.intellij.openapi.actionSystem.DataKey
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.application.WriteAction
import com.intellij.openapi.command.CommandProcessor
import com.intellij.openapi.command.undo.UndoUtil
import com.intellij.openapi.components.Service
import com.intellij.openapi.components.service
import com.intellij.openapi.fileEditor.FileDocumentManager
import com.intellij.openapi.fileEditor.FileEditorManager
import com.intellij.openapi.fileEditor.FileEditorManagerListener
import com.intellij.openapi.fileTypes.PlainTextFileType
import com.intellij.openapi.project.DumbAware
import com.intellij.openapi.project.Project
import com.intellij.openapi.ui.ComboBox
import com.intellij.openapi.ui.DialogWrapper
import com.intellij.openapi.ui.ValidationInfo
import com.intellij.openapi.ui.popup.JBPopupFactory
import com.intellij.openapi.util.Disposer
import com.intellij.openapi.vfs.VirtualFile
import com.intellij.testFramework.LightVirtualFile
import com.intellij.ui.SimpleListCellRenderer
import com.intellij.ui.components.JBPasswordField
import com.intellij.ui.components.JBTextField
import com.intellij.ui.dsl.builder.AlignX
import com.intellij.ui.dsl.builder.panel
import dev.tieline.client.CIAction
import dev.tieline.client.CITrigger
import dev.tieline.client.Ci
import dev.tieline.client.CiMenu
import dev.tieline.client.CiSource
import dev.tieline.client.LogView
import dev.tieline.client.PanelChangedParams
import dev.tieline.client.TreeItem
import dev.tieline.client.TriggerField
import dev.tieline.client.TriggerForm
import java.util.concurrent.ConcurrentHashMap
import javax.swing.JComponent

/** The tool window's selected server item, for the CI context actions below. */
val TIELINE_ITEM: DataKey<TreeItem> = DataKey.create("dev.tieline.treeItem")

private fun onUi(block: () -> Unit) = ApplicationManager.getApplication().invokeLater(block)

/**
 * Per project: the client module's [Ci] over the running server, and job logs as read-only
 * editor tabs. A tab's text is the [LogView] the client's LogReader assembles; it is
 * replaced whenever the reader has more (its pages arriving, or `tieline/log/changed` from
 * TielineIdeClient), and closing the tab stops reading that log.
 */
@Service(Service.Level.PROJECT)
class TielineCi(private val project: Project) : Disposable {
    val ci = Ci(CiSource.lazy { TielinePanels.get(project).server() })
    private val files = ConcurrentHashMap<String, LightVirtualFile>()

    init {
        val listening = ci.logs.addListener { view -> onUi { show(view) } }
        Disposer.register(this, Disposable { listening.close() })
        project.messageBus.connect(this).subscribe(
            FileEditorManagerListener.FILE_EDITOR_MANAGER,
            object : FileEditorManagerListener {
                override fun fileClosed(source: FileEditorManager, file: VirtualFile) {
                    val uri = files.entries.firstOrNull { it.value == file }?.key ?: return
                    if (source.isFileOpen(file)) return
                    files.remove(uri)
                    ci.logs.forget(uri)
                }
            },
        )
    }

    /** Opens (or shows again) a job's log in a read-only tab, read on while the job runs. */
    fun openLog(uri: String) {
        val file = files.computeIfAbsent(uri) {
            LightVirtualFile("${uri.substringAfterLast('/')}.log", PlainTextFileType.INSTANCE, "Reading the log…\n")
                .apply { isWritable = false }
        }
        FileDocumentManager.getInstance().getDocument(file)?.let { UndoUtil.disableUndoFor(it) }
        FileEditorManager.getInstance(project).openFile(file, true)
        ci.logs.view(uri)?.let { show(it) }
        ci.logs.open(uri).whenComplete { _, error ->
            if (error != null) notify(project, "Open Log: ${Ci.message(error)}", NotificationType.ERROR)
        }
    }

    /** On the EDT: the tab of [view]'s log shows its text now. */
    private fun show(view: LogView) {
        val file = files[view.uri] ?: return
        val document = FileDocumentManager.getInstance().getDocument(file) ?: return
        if (document.charsSequence.contentEquals(view.text)) return
        CommandProcessor.getInstance().runUndoTransparentAction {
            WriteAction.run<RuntimeException> {
                document.setReadOnly(false)
                try {
                    document.setText(view.text)
                } finally {
                    document.setReadOnly(true)
                }
            }
        }
    }

    /** `tieline/ci/act`; the outcome as a notification, and the CI panel fetched again. */
    fun act(item: TreeItem, action: String) {
        val title = CiMenu.ACTIONS.firstOrNull { it.action == action }?.title ?: action
        ci.act(item, action).whenComplete { result, error ->
            if (result != null) {
                notify(project, result.message)
                refreshPanel()
            } else {
                notify(project, "$title: ${Ci.message(error)}", NotificationType.ERROR)
            }
        }
    }

    /** "Run Pipeline…": the triggers (a chooser when there are several), their inputs, then start. */
    fun runPipeline() {
        ci.triggers().whenComplete { triggers, error ->
            when {
                triggers == null -> notify(project, "Run Pipeline: ${Ci.message(error)}", NotificationType.ERROR)
                triggers.isEmpty() -> notify(project, "No CI of this project has pipelines to start by hand.")
                triggers.size == 1 -> onUi { start(triggers.single()) }
                else -> onUi {
                    JBPopupFactory.getInstance().createPopupChooserBuilder(triggers)
                        .setTitle("Run Pipeline")
                        .setRenderer(SimpleListCellRenderer.create<CITrigger>("") { TriggerForm.describe(it) })
                        .setNamerForFiltering { TriggerForm.describe(it) }
                        .setItemChosenCallback { start(it) }
                        .createPopup().showCenteredInCurrentWindow(project)
                }
            }
        }
    }

    private fun start(trigger: CITrigger) {
        val form = TriggerForm(trigger)
        val values = if (form.fields.isEmpty()) {
            emptyMap()
        } else {
            val dialog = TriggerDialog(project, form)
            if (!dialog.showAndGet()) return
            dialog.values()
        }
        ci.trigger(form, values).whenComplete { result, error ->
            if (result != null) {
                notify(project, result.message)
                refreshPanel()
            } else {
                notify(project, "Run ${trigger.name}: ${Ci.message(error)}", NotificationType.ERROR)
            }
        }
    }

    private fun refreshPanel() {
        TielinePanels.get(project).tree.onPanelChanged(PanelChangedParams(panelId = CI_PANEL))
    }

    override fun dispose() {}

    companion object {
        const val CI_PANEL = "ci"

        fun get(project: Project): TielineCi = project.service()
    }
}

/** A trigger's inputs, one field each as [TriggerForm] types it; OK only when they all will do. */
private class TriggerDialog(project: Project, private val form: TriggerForm) : DialogWrapper(project) {
    private val inputs = LinkedHashMap<String, JComponent>()

    init {
        title = "Run ${form.trigger.name}"
        setOKButtonText("Run")
        init()
    }

    override fun createCenterPanel(): JComponent = panel {
        val about = listOfNotNull(
            form.trigger.description.takeIf { it.isNotBlank() },
            form.trigger.branch?.let { "On $it (${form.trigger.serviceName}, ${form.trigger.scope})" },
        )
        about.forEach { row { comment(it) } }
        for (field in form.fields) {
            val component: JComponent = when (field.kind) {
                TriggerField.Kind.CHOICE -> ComboBox(field.choices.toTypedArray()).apply {
                    selectedItem = field.initial
                    renderer = SimpleListCellRenderer.create<String>("") { if (it.isEmpty()) "(leave empty)" else it }
                }
                TriggerField.Kind.PASSWORD -> JBPasswordField().apply { text = field.initial }
                TriggerField.Kind.TEXT, TriggerField.Kind.NUMBER -> JBTextField(field.initial)
            }
            inputs[field.name] = component
            row("${field.label}:") {
                cell(component).align(AlignX.FILL).comment(field.input.description.takeIf { it.isNotBlank() })
            }
        }
    }

    override fun getPreferredFocusedComponent(): JComponent? = inputs.values.firstOrNull()

    fun values(): Map<String, String> = inputs.mapValues { (_, c) ->
        when (c) {
            is ComboBox<*> -> c.selectedItem as? String ?: ""
            is JBPasswordField -> String(c.password)
            is JBTextField -> c.text
            else -> ""
        }
    }

    override fun doValidate(): ValidationInfo? {
        val (name, problem) = form.problems(values()).entries.firstOrNull() ?: return null
        return ValidationInfo(problem, inputs[name])
    }
}

/** A context action on the selected CI item, shown only where the client's CiMenu offers it. */
abstract class CiItemAction : AnAction(), DumbAware {
    override fun getActionUpdateThread() = ActionUpdateThread.BGT

    protected fun item(e: AnActionEvent): TreeItem? = e.getData(TIELINE_ITEM)

    protected abstract fun offered(item: TreeItem): Boolean

    protected abstract fun perform(project: Project, item: TreeItem)

    override fun update(e: AnActionEvent) {
        e.presentation.isEnabledAndVisible = item(e)?.let { offered(it) } == true
    }

    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        val item = item(e) ?: return
        if (offered(item)) perform(project, item)
    }
}

/** `tieline/ci/act` with one action, where the item's `can.<action>` words allow it. */
abstract class CiActAction(private val action: String) : CiItemAction() {
    override fun offered(item: TreeItem) = CiMenu.allows(item, action)

    override fun perform(project: Project, item: TreeItem) = TielineCi.get(project).act(item, action)
}

class CiRerunAction : CiActAction(CIAction.RERUN)

class CiRerunFailedAction : CiActAction(CIAction.RERUN_FAILED)

class CiRetryAction : CiActAction(CIAction.RETRY)

class CiPlayAction : CiActAction(CIAction.PLAY)

class CiCancelAction : CiActAction(CIAction.CANCEL)

class CiOpenLogAction : CiItemAction() {
    override fun offered(item: TreeItem) = CiMenu.logUri(item) != null

    override fun perform(project: Project, item: TreeItem) = TielineCi.get(project).openLog(CiMenu.logUri(item)!!)
}

class CiOpenInBrowserAction : CiItemAction() {
    override fun offered(item: TreeItem) = !item.url.isNullOrBlank()

    override fun perform(project: Project, item: TreeItem) = BrowserUtil.browse(item.url!!)
}

/** "Run Pipeline…" (the CI tool window's title bar, and Tools › Tieline). */
class CiRunPipelineAction : AnAction(), DumbAware {
    override fun getActionUpdateThread() = ActionUpdateThread.BGT

    override fun update(e: AnActionEvent) {
        e.presentation.isEnabled = e.project != null
    }

    override fun actionPerformed(e: AnActionEvent) {
        TielineCi.get(e.project ?: return).runPipeline()
    }
}
