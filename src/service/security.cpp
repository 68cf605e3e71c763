// security: being written (service-api helper).
