package org.mailfetch; public class Mailfetch { public static void main(String[] a){} }
