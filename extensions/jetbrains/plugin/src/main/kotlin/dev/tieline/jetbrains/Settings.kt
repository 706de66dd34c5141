package dev.tieline.jetbrains

import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.components.PersistentStateComponent
import com.intellij.openapi.components.State
import com.intellij.openapi.components.Storage
import com.intellij.openapi.options.BoundConfigurable
import com.intellij.openapi.project.ProjectManager
import com.intellij.ui.dsl.builder.bindIntText
import com.intellij.ui.dsl.builder.bindSelected
import com.intellij.ui.dsl.builder.bindText
import com.intellij.ui.dsl.builder.panel
import com.redhat.devtools.lsp4ij.LanguageServerManager
import dev.tieline.client.GitHubSettings
import dev.tieline.client.NotificationSettings
import dev.tieline.client.SyncSettings
import dev.tieline.client.TielineSettings

/**
 * What the settings page stores. Blank/unchecked-by-default values mean "not set here", so the
 * workspace's .tieline.toml and the user file still apply (see TielineSettings).
 */
@State(name = "Tieline", storages = [Storage("tieline.xml")])
class TielineSettingsState : PersistentStateComponent<TielineSettingsState.Data> {
    data class Data(
        var serverPath: String = "",
        var githubApiUrl: String = "",
        var pollIntervalSeconds: Int = 0,
        var notifyReviewRequested: Boolean = true,
        var notifyCheckFailed: Boolean = true,
    )

    private var data = Data()
    override fun getState() = data
    override fun loadState(state: Data) { data = state }

    val serverPath get() = data.serverPath

    fun toSettings() = TielineSettings(
        github = GitHubSettings(apiUrl = data.githubApiUrl.ifBlank { null }),
        sync = SyncSettings(pollInterval = data.pollIntervalSeconds.takeIf { it > 0 }?.toDouble()),
        notifications = NotificationSettings(
            reviewRequested = data.notifyReviewRequested.takeIf { !it },
            checkFailed = data.notifyCheckFailed.takeIf { !it },
        ),
    )

    companion object {
        fun get(): TielineSettingsState = ApplicationManager.getApplication().getService(TielineSettingsState::class.java)
    }
}

/** Settings | Tools | Tieline. A changed server path restarts the server; the rest is re-sent. */
class TielineConfigurable : BoundConfigurable("Tieline") {
    private val state get() = TielineSettingsState.get().state

    override fun createPanel() = panel {
        row("Server (tieline or python):") { textField().bindText(state::serverPath).comment("Blank: tieline on PATH") }
        row("GitHub API URL:") { textField().bindText(state::githubApiUrl).comment("Blank: github.com") }
        row("Poll interval (s):") { intTextField(0..3600).bindIntText(state::pollIntervalSeconds).comment("0: default") }
        row { checkBox("Notify when my review is requested").bindSelected(state::notifyReviewRequested) }
        row { checkBox("Notify when a check fails").bindSelected(state::notifyCheckFailed) }
    }

    override fun apply() {
        val before = state.serverPath
        super.apply()
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
