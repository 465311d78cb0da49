package main

import (
	"context"
	"database/sql"
)

// Store reads and writes orders and their payment state in the orders DB.
type Store struct {
	db *sql.DB
}

// Order is an order as the payments API sees it.
type Order struct {
	ID         string
	CustomerID string
	AmountCent int64
	Status     string
	CardToken  string
}

// QueryOrders returns the orders of a customer. Every query takes its values as
// parameters; no SQL is ever built from strings.
func (s *Store) QueryOrders(ctx context.Context, customerID string) ([]Order, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, customer_id, amount_cent, status, card_token FROM orders WHERE customer_id = $1 ORDER BY created_at DESC`,
		customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.AmountCent, &o.Status, &o.CardToken); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// MarkPaid records that the provider captured the payment of an order.
func (s *Store) MarkPaid(ctx context.Context, orderID, pspPaymentID string) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE orders SET status = 'paid', psp_payment_id = $2 WHERE id = $1 AND status = 'pending'`,
		orderID, pspPaymentID)
	return err
}
