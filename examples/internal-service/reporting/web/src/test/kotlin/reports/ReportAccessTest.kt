package reports

import kotlin.test.Test
import kotlin.test.assertEquals

class ReportAccessTest {
    private val access = ReportAccess()
    private val head = ReportAccess.Employee("e-17", department = "north", groups = setOf("reporting"))
    private val controller = ReportAccess.Employee("e-42", department = "finance", groups = setOf("reporting", "finance"))

    @Test
    fun `a department head who asks for another department gets nothing`() {
        val (clause, params) = access.departmentFilter(head, requested = "south")
        assertEquals("department_id = ANY(?)", clause)
        assertEquals(emptyList(), (params.single() as Array<*>).toList())
    }

    @Test
    fun `a department head sees their own department`() {
        val (_, params) = access.departmentFilter(head, requested = null)
        assertEquals(listOf("north"), (params.single() as Array<*>).toList())
    }

    @Test
    fun `finance sees every department`() {
        assertEquals("TRUE" to emptyList<Any>(), access.departmentFilter(controller, requested = null))
    }
}
