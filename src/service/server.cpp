// server: being written (service-api helper).
