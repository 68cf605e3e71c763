// request_log: being written (service-api helper).
