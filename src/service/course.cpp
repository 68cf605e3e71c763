// course: being written (service-api helper).
