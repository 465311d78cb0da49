package reports

/**
 * Decides which departments' figures an employee may read. Every report query goes
 * through [departmentFilter]; no query reads `sales_figures` without it.
 */
class ReportAccess(private val financeGroup: String = "finance") {

    /** The employee as the SSO token describes them. */
    data class Employee(val id: String, val department: String, val groups: Set<String>)

    /** The departments an employee may see: their own, or all of them for finance. */
    sealed interface Scope {
        object All : Scope
        data class Departments(val ids: Set<String>) : Scope
    }

    fun scopeOf(employee: Employee): Scope =
        if (financeGroup in employee.groups) Scope.All
        else Scope.Departments(setOf(employee.department))

    /**
     * The WHERE clause and its parameters that restrict a report query to the employee's
     * scope. The department id in the report URL is only a choice within that scope:
     * a department outside it yields no rows, never another department's figures.
     */
    fun departmentFilter(employee: Employee, requested: String?): Pair<String, List<Any>> {
        val scope = scopeOf(employee)
        val allowed = when (scope) {
            is Scope.All -> if (requested == null) return "TRUE" to emptyList() else setOf(requested)
            is Scope.Departments -> if (requested == null) scope.ids else scope.ids.intersect(setOf(requested))
        }
        return "department_id = ANY(?)" to listOf(allowed.toTypedArray())
    }
}
