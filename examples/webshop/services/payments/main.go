// Command payments is the payments API: it creates payments for the storefront, talks to the
// payment provider and records the state of every order.
package main

import (
	"database/sql"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	db, err := sql.Open("pgx", os.Getenv("ORDERS_DB_URL"))
	if err != nil {
		log.Fatal(err)
	}
	secret, err := os.ReadFile("/vault/secrets/psp-webhook-secret") // written by the Vault agent
	if err != nil {
		log.Fatal(err)
	}
	store := &Store{db: db}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/psp", &WebhookHandler{Store: store, Secret: secret})

	srv := &http.Server{Addr: ":8443", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServeTLS("/etc/mesh/tls.crt", "/etc/mesh/tls.key"))
}
