package dev.tieline.jetbrains

import com.intellij.ide.BrowserUtil
import com.intellij.openapi.actionSystem.ActionManager
import com.intellij.openapi.actionSystem.DataSink
import com.intellij.openapi.actionSystem.UiDataProvider
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.project.DumbAware
import com.intellij.openapi.project.Project
import com.intellij.openapi.wm.ToolWindow
import com.intellij.openapi.wm.ToolWindowFactory
import com.intellij.ui.PopupHandler
import com.intellij.ui.components.JBScrollPane
import com.intellij.ui.content.ContentFactory
import com.intellij.ui.treeStructure.Tree
import dev.tieline.client.CiMenu
import dev.tieline.client.PanelTreeEvent
import dev.tieline.client.SignInTarget
import dev.tieline.client.TreeItem
import java.awt.event.MouseAdapter
import java.awt.event.MouseEvent
import javax.swing.event.TreeExpansionEvent
import javax.swing.event.TreeWillExpandListener
import javax.swing.tree.DefaultMutableTreeNode
import javax.swing.tree.DefaultTreeModel

private data class Node(val panelId: String, val item: TreeItem?, val text: String) {
    override fun toString() = text
}

/** The panels' tree; the selected server item is [TIELINE_ITEM] for the context actions. */
private class PanelJTree(model: DefaultTreeModel) : Tree(model), UiDataProvider {
    fun selectedItem(): TreeItem? =
        ((selectionPath?.lastPathComponent as? DefaultMutableTreeNode)?.userObject as? Node)?.item

    override fun uiDataSnapshot(sink: DataSink) {
        sink[TIELINE_ITEM] = selectedItem()
    }
}

/**
 * Renders the client module's PanelTree: one top node per panel, children loaded on expand,
 * redrawn on every tree event. Opening an item runs its command, or opens its URL; a "Sign in"
 * item opens this plugin's sign-in for the connector it carries; a CI job opens its log in an
 * editor tab (TielineCi). The context menu is the CI actions the selected item allows
 * (plugin.xml's dev.tieline.ci.itemActions, each gated by the client's CiMenu); the title bar
 * has Run Pipeline….
 */
class TielineToolWindowFactory : ToolWindowFactory, DumbAware {
    override fun createToolWindowContent(project: Project, toolWindow: ToolWindow) {
        val panels = TielinePanels.get(project)
        val root = DefaultMutableTreeNode()
        val model = DefaultTreeModel(root)
        val tree = PanelJTree(model).apply { isRootVisible = false; showsRootHandles = true }
        // A right-click selects the row under it first, so the menu is that item's.
        tree.addMouseListener(object : MouseAdapter() {
            override fun mousePressed(e: MouseEvent) {
                if (!e.isPopupTrigger && e.button != MouseEvent.BUTTON3) return
                val path = tree.getClosestPathForLocation(e.x, e.y) ?: return
                if (!tree.isPathSelected(path)) tree.selectionPath = path
            }
        })
        PopupHandler.installPopupMenu(tree, CI_ITEM_ACTIONS, "TielineToolWindow")
        ActionManager.getInstance().getAction(RUN_PIPELINE)?.let { toolWindow.setTitleActions(listOf(it)) }

        fun fill(node: DefaultMutableTreeNode, panelId: String, parentId: String?) {
            node.removeAllChildren()
            val items = panels.tree.children(panelId, parentId)
            if (items == null) node.add(DefaultMutableTreeNode("Loading…"))
            items?.forEach { item ->
                val text = listOfNotNull(item.label, item.description).joinToString("  ")
                val child = DefaultMutableTreeNode(Node(panelId, item, text))
                if (item.hasChildren) fill(child, panelId, item.id)
                node.add(child)
            }
        }

        fun rebuild() {
            root.removeAllChildren()
            for (panel in panels.tree.panels) {
                val node = DefaultMutableTreeNode(Node(panel.id, null, panel.title))
                fill(node, panel.id, null)
                if (panels.tree.children(panel.id)?.isEmpty() == true && panel.welcome != null) {
                    node.add(DefaultMutableTreeNode(panel.welcome))
                }
                root.add(node)
            }
            model.reload()
        }

        val subscription = panels.tree.addListener { event ->
            if (event !is PanelTreeEvent.Failed) ApplicationManager.getApplication().invokeLater { rebuild() }
        }
        tree.addTreeWillExpandListener(object : TreeWillExpandListener {
            override fun treeWillExpand(event: TreeExpansionEvent) {
                val node = (event.path.lastPathComponent as DefaultMutableTreeNode).userObject as? Node ?: return
                val item = node.item ?: return
                if (panels.tree.children(node.panelId, item.id) == null) panels.tree.fetchChildren(node.panelId, item.id)
            }
            override fun treeWillCollapse(event: TreeExpansionEvent) {}
        })
        tree.addMouseListener(object : MouseAdapter() {
            override fun mouseClicked(e: MouseEvent) {
                if (e.clickCount != 2) return
                val item = tree.selectedItem() ?: return
                val command = item.command
                val signIn = SignInTarget.fromItem(item)
                val log = CiMenu.logUri(item)
                when {
                    // "Sign in to X": this plugin's own dialog, for the connector the item names.
                    signIn != null -> TielineSignIn.signIn(project, signIn)
                    // A CI job: its log in an editor tab, not the server's copy written to a file.
                    log != null -> TielineCi.get(project).openLog(log)
                    command != null -> panels.execute(command.command, command.arguments.orEmpty())
                    item.url != null -> BrowserUtil.browse(item.url!!)
                }
            }
        })

        val content = ContentFactory.getInstance().createContent(JBScrollPane(tree), "", false)
        content.setDisposer { subscription.close() }
        toolWindow.contentManager.addContent(content)
        panels.tree.load()
    }
}

/** plugin.xml's ids: the CI context-menu group and Run Pipeline…. */
const val CI_ITEM_ACTIONS = "dev.tieline.ci.itemActions"
const val RUN_PIPELINE = "dev.tieline.ci.runPipeline"
