package dev.tieline.jetbrains

import com.intellij.ide.BrowserUtil
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.project.DumbAware
import com.intellij.openapi.project.Project
import com.intellij.openapi.wm.ToolWindow
import com.intellij.openapi.wm.ToolWindowFactory
import com.intellij.ui.components.JBScrollPane
import com.intellij.ui.content.ContentFactory
import com.intellij.ui.treeStructure.Tree
import dev.tieline.client.PanelTreeEvent
import dev.tieline.client.SignInTarget
import dev.tieline.client.TreeItem
import java.awt.event.MouseAdapter
import java.awt.event.MouseEvent
import javax.swing.event.TreeExpansionEvent
import javax.swing.event.TreeWillExpandListener
import javax.swing.tree.DefaultMutableTreeNode
import javax.swing.tree.DefaultTreeModel

/**
 * Renders the client module's PanelTree: one top node per panel, children loaded on expand,
 * redrawn on every tree event. Opening an item runs its command, or opens its URL; a "Sign in"
 * item opens this plugin's sign-in for the connector it carries.
 */
class TielineToolWindowFactory : ToolWindowFactory, DumbAware {
    private data class Node(val panelId: String, val item: TreeItem?, val text: String) {
        override fun toString() = text
    }

    override fun createToolWindowContent(project: Project, toolWindow: ToolWindow) {
        val panels = TielinePanels.get(project)
        val root = DefaultMutableTreeNode()
        val model = DefaultTreeModel(root)
        val tree = Tree(model).apply { isRootVisible = false; showsRootHandles = true }

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
                val node = (tree.selectionPath?.lastPathComponent as? DefaultMutableTreeNode)?.userObject as? Node
                val item = node?.item ?: return
                val command = item.command
                val signIn = SignInTarget.fromItem(item)
                when {
                    // "Sign in to X": this plugin's own dialog, for the connector the item names.
                    signIn != null -> TielineSignIn.signIn(project, signIn)
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
