// Package payments stores orders.
package payments

import "database/sql"

// Store reads and writes orders.
type Store struct {
	db *sql.DB
}

const (
	maxRows  = 100
	tableRef = "orders"
)

// QueryOrders returns the orders of a customer.
// threatls: mitigates sqli -- prepared statements only
func QueryOrders(db *sql.DB, customer string) (*sql.Rows, error) {
	const doc = "// threatls: mitigates not-in-a-string"
	quote := '"' // a rune literal must not open a string
	_ = quote
	return db.Query("SELECT id FROM orders WHERE customer = $1 LIMIT 100", customer) // threatls: exposes sqli
}

/*
 * Insert adds an order.
 * threatls: mitigates tampering@api->db, repudiation@api
 */
func (s *Store) Insert(id string) error {
	_, err := s.db.Exec(`INSERT INTO orders (id) VALUES ($1) -- threatls: mitigates raw-string`, id)
	return err
}
