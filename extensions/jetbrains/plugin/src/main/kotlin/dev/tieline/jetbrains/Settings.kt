package dev.tieline.jetbrains

import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.components.PersistentStateComponent
import com.intellij.openapi.components.State
import com.intellij.openapi.components.Storage
import com.intellij.openapi.options.BoundConfigurable
import com.intellij.openapi.project.ProjectManager
import com.intellij.ui.ToolbarDecorator
import com.intellij.ui.components.JBLabel
import com.intellij.ui.dsl.builder.Align
import com.intellij.ui.dsl.builder.bindIntText
import com.intellij.ui.dsl.builder.bindItem
import com.intellij.ui.dsl.builder.bindSelected
import com.intellij.ui.dsl.builder.bindText
import com.intellij.ui.dsl.builder.panel
import com.intellij.ui.dsl.builder.toNullableProperty
import com.intellij.ui.table.TableView
import com.intellij.util.ui.ColumnInfo
import com.intellij.util.ui.ListTableModel
import com.redhat.devtools.lsp4ij.LanguageServerManager
import dev.tieline.client.CiSettings
import dev.tieline.client.ConnectorSetting
import dev.tieline.client.NotificationSettings
import dev.tieline.client.SectionSetting
import dev.tieline.client.SyncSettings
import dev.tieline.client.TielineSettings

/** One `tieline.connectors.<connector>.<key>` setting as stored (a bean for the XML state). */
data class ConnectorSettingRow(var connector: String = "", var key: String = "", var value: String = "")

/** One `tieline.<section>.<key>` setting with no field of its own on the page (a bean too). */
data class SectionSettingRow(var section: String = "", var key: String = "", var value: String = "")

/**
 * What the settings page stores. Blank values, and check boxes left at the server's default,
 * mean "not set here", so the workspace's .tieline.toml and the user file still apply (see
 * TielineSettings).
 */
@State(name = "Tieline", storages = [Storage("tieline.xml")])
class TielineSettingsState : PersistentStateComponent<TielineSettingsState.Data> {
    data class Data(
        var serverPath: String = "",
        var pollIntervalSeconds: Int = 0,
        // The server's defaults: the first three on, the last two off.
        var notifyReviewRequested: Boolean = true,
        var notifyCheckFailed: Boolean = true,
        var notifyIssueAssigned: Boolean = true,
        var notifyPullRequestMerged: Boolean = false,
        var notifyIssueClosed: Boolean = false,
        // CI: the server's defaults, 0 and blank mean "not set here" (CiSettings.fromForm).
        var ciNotify: String = CiSettings.DEFAULT_NOTIFY,
        var ciDiagnostics: Boolean = CiSettings.DEFAULT_DIAGNOSTICS,
        var ciLogPageKb: Int = 0,
        var ciLogFollowInterval: String = "",
        var connectorSettings: MutableList<ConnectorSettingRow> = mutableListOf(),
        var moreSettings: MutableList<SectionSettingRow> = mutableListOf(),
    )

    private var data = Data()
    override fun getState() = data
    override fun loadState(state: Data) { data = state }

    val serverPath get() = data.serverPath

    fun toSettings() = TielineSettings(
        connectors = ConnectorSetting.toMap(data.connectorSettings.map { ConnectorSetting(it.connector, it.key, it.value) }),
        sync = SyncSettings(pollInterval = data.pollIntervalSeconds.takeIf { it > 0 }?.toDouble()),
        notifications = NotificationSettings(
            reviewRequested = data.notifyReviewRequested.takeIf { !it },
            checkFailed = data.notifyCheckFailed.takeIf { !it },
            issueAssigned = data.notifyIssueAssigned.takeIf { !it },
            pullRequestMerged = data.notifyPullRequestMerged.takeIf { it },
            issueClosed = data.notifyIssueClosed.takeIf { it },
        ),
        ci = CiSettings.fromForm(data.ciNotify, data.ciDiagnostics, data.ciLogPageKb, data.ciLogFollowInterval),
        sections = SectionSetting.toMap(data.moreSettings.map { SectionSetting(it.section, it.key, it.value) }),
    )

    companion object {
        fun get(): TielineSettingsState = ApplicationManager.getApplication().getService(TielineSettingsState::class.java)
    }
}

private class TextColumn<R>(
    name: String,
    private val read: (R) -> String,
    private val write: (R, String) -> Unit,
) : ColumnInfo<R, String>(name) {
    override fun valueOf(item: R) = read(item)
    override fun isCellEditable(item: R) = true
    override fun setValue(item: R, value: String) = write(item, value)
}

/**
 * Settings | Tools | Tieline. A changed server path restarts the server; the rest is re-sent.
 * The CI group's choices, defaults and bounds are the client module's CiSettings (the server's).
 * Connector settings are a key/value table: any installed connector's keys (the README's
 * settings table lists them), with values typed as JSON when they are JSON.
 */
class TielineConfigurable : BoundConfigurable("Tieline") {
    private val state get() = TielineSettingsState.get().state
    private val rows = ListTableModel<ConnectorSettingRow>(
        TextColumn<ConnectorSettingRow>("Connector", { it.connector }) { r, v -> r.connector = v.trim() },
        TextColumn<ConnectorSettingRow>("Key", { it.key }) { r, v -> r.key = v.trim() },
        TextColumn<ConnectorSettingRow>("Value", { it.value }) { r, v -> r.value = v },
    )
    private val moreRows = ListTableModel<SectionSettingRow>(
        TextColumn<SectionSettingRow>("Section", { it.section }) { r, v -> r.section = v.trim() },
        TextColumn<SectionSettingRow>("Key", { it.key }) { r, v -> r.key = v.trim() },
        TextColumn<SectionSettingRow>("Value", { it.value }) { r, v -> r.value = v },
    )
    private val installed = JBLabel()

    override fun createPanel() = panel {
        row("Server (tieline or python):") { textField().bindText(state::serverPath).comment("Blank: tieline on PATH") }
        row("Poll interval (s):") { intTextField(0..3600).bindIntText(state::pollIntervalSeconds).comment("0: default") }
        group("Notifications") {
            row { checkBox("When my review is requested").bindSelected(state::notifyReviewRequested) }
            row { checkBox("When a check fails on my change or branch").bindSelected(state::notifyCheckFailed) }
            row { checkBox("When an issue is assigned to me").bindSelected(state::notifyIssueAssigned) }
            row { checkBox("When my change is merged").bindSelected(state::notifyPullRequestMerged) }
            row { checkBox("When an issue I follow is closed").bindSelected(state::notifyIssueClosed) }
        }
        group("CI") {
            row("Tell me when a pipeline of my branch finishes:") {
                comboBox(CiSettings.NOTIFY_CHOICES).bindItem(state::ciNotify.toNullableProperty(CiSettings.DEFAULT_NOTIFY))
                    .comment("failures only, all (passes too) or off")
            }
            row {
                checkBox("Show the errors a failed pipeline's log points at as problems in this checkout")
                    .bindSelected(state::ciDiagnostics)
            }
            row("Job log page (KB):") {
                intTextField(0..CiSettings.LOG_PAGE_KB_RANGE.last).bindIntText(state::ciLogPageKb)
                    .validationOnInput { field ->
                        val kb = field.text.trim().toIntOrNull() ?: 0
                        if (kb != 0 && kb !in CiSettings.LOG_PAGE_KB_RANGE) {
                            error("From ${CiSettings.LOG_PAGE_KB_RANGE.first} to ${CiSettings.LOG_PAGE_KB_RANGE.last}, or 0")
                        } else {
                            null
                        }
                    }
                    .comment("0: default (${CiSettings.DEFAULT_LOG_PAGE_KB})")
            }
            row("Read a running job's log every (s):") {
                textField().bindText(state::ciLogFollowInterval)
                    .validationOnInput { field ->
                        val text = field.text.trim()
                        val range = CiSettings.LOG_FOLLOW_INTERVAL_RANGE
                        val seconds = text.toDoubleOrNull()
                        if (text.isNotEmpty() && (seconds == null || seconds !in range)) {
                            error("A number of seconds from ${range.start} to ${range.endInclusive}, or blank")
                        } else {
                            null
                        }
                    }
                    .comment("Blank: default (${CiSettings.DEFAULT_LOG_FOLLOW_INTERVAL})")
            }
        }
        group("Connector Settings") {
            row {
                val table = TableView(rows)
                cell(ToolbarDecorator.createDecorator(table).setAddAction { rows.addRow(ConnectorSettingRow()) }.createPanel())
                    .align(Align.FILL)
                    .comment(
                        "tieline.connectors.&lt;connector&gt;.&lt;key&gt;, e.g. a self-managed host's or a site's URL. " +
                            "Values are JSON when they are JSON (true, 30, [\"a\"], {…}), else text. Secrets never go here: sign in.",
                    )
            }.resizableRow()
            row { cell(installed) }
        }
        group("More Settings") {
            row {
                val table = TableView(moreRows)
                cell(ToolbarDecorator.createDecorator(table).setAddAction { moreRows.addRow(SectionSettingRow()) }.createPanel())
                    .align(Align.FILL)
                    .comment(
                        "Any other tieline.&lt;section&gt;.&lt;key&gt; the README's settings table lists, e.g. " +
                            "diagrams / krokiUrl or docs / sets. Values are JSON when they are JSON, else text.",
                    )
            }.resizableRow()
        }
        showInstalledConnectors()
    }

    /** The connector ids the running server has, so no id has to be guessed (none is named here). */
    private fun showInstalledConnectors() {
        val project = ProjectManager.getInstance().openProjects.firstOrNull() ?: return
        TielinePanels.get(project).server().thenCompose { it.connectors() }.thenAccept { result ->
            val text = "Installed: " + result.connectors.joinToString { "${it.id} (${it.name})" }
            ApplicationManager.getApplication().invokeLater { installed.text = text }
        }
    }

    private fun tableRows() = rows.items.map { it.copy() }

    private fun moreTableRows() = moreRows.items.map { it.copy() }

    override fun isModified() =
        super.isModified() || tableRows() != state.connectorSettings || moreTableRows() != state.moreSettings

    override fun reset() {
        super.reset()
        rows.items = state.connectorSettings.map { it.copy() }.toMutableList()
        moreRows.items = state.moreSettings.map { it.copy() }.toMutableList()
    }

    override fun apply() {
        val before = state.serverPath
        super.apply()
        state.connectorSettings = tableRows().filter { it.connector.isNotBlank() && it.key.isNotBlank() }.toMutableList()
        rows.items = state.connectorSettings.map { it.copy() }.toMutableList()
        state.moreSettings = moreTableRows().filter { it.section.isNotBlank() && it.key.isNotBlank() }.toMutableList()
        moreRows.items = state.moreSettings.map { it.copy() }.toMutableList()
        for (project in ProjectManager.getInstance().openProjects) {
            val manager = LanguageServerManager.getInstance(project)
            if (state.serverPath != before) {
                manager.stop(SERVER_ID)
                manager.start(SERVER_ID)
            } else {
                // The server answers by asking workspace/configuration again (TielineIdeClient).
                TielinePanels.get(project).server().thenAccept { server ->
                    val settings = TielineSettingsState.get().toSettings()
                    server.workspaceService.didChangeConfiguration(
                        org.eclipse.lsp4j.DidChangeConfigurationParams(settings.section(null)),
                    )
                }
            }
        }
    }
}
