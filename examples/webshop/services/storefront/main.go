// Command storefront serves the shop's pages, the customer account and the checkout.
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"example.com/webshop/services/storefront/web"
)

func main() {
	mux := http.NewServeMux()
	mux.Handle("/", web.Pages())
	mux.Handle("/checkout", web.Checkout())

	srv := &http.Server{
		Addr:              ":8443",
		Handler:           web.SecurityHeaders(mux),
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Fatal(srv.ListenAndServeTLS(os.Getenv("TLS_CERT"), os.Getenv("TLS_KEY")))
}
